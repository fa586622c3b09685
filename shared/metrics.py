"""Prometheus metrics: one registry per service instance (no process-global default).

Counters and histograms are updated where things happen. Gauges that describe state held
elsewhere (a consumer's backlog in JetStream, rows waiting in Postgres) are read at scrape
time by probes: `Metrics.probe` registers one, and `/metrics` runs them all (each bounded by a
timeout) before rendering. A probe that fails leaves its gauges as they were and counts the
failure in `metrics_probe_failures_total`, so a scrape never hangs on a sick dependency.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PROBE_TIMEOUT_SECONDS = 2.0

Probe = Callable[[], Awaitable[None]]


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self._probes: dict[str, Probe] = {}
        self.messages = Counter(
            "bus_messages_total",
            "Bus messages handled, by subject family and outcome.",
            ["consumer", "outcome"],
            registry=self.registry,
        )
        self.handle_seconds = Histogram(
            "bus_handle_seconds",
            "Time to handle one bus message.",
            ["consumer"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.http_requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by route and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.http_seconds = Histogram(
            "http_request_seconds",
            "Time to answer one HTTP request, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "domain_events_total",
            "Domain happenings worth counting (bookings made, tenants created, ...).",
            ["kind"],
            registry=self.registry,
        )
        self.consumer_pending = Gauge(
            "bus_consumer_pending",
            "Messages in the stream this durable consumer has not been given yet (its lag).",
            ["stream", "consumer"],
            registry=self.registry,
        )
        self.consumer_ack_pending = Gauge(
            "bus_consumer_ack_pending",
            "Messages given to this durable consumer and not yet acknowledged.",
            ["stream", "consumer"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "bus_dead_letters",
            "Messages this service parked in the DLQ stream and nobody has replayed or purged.",
            registry=self.registry,
        )
        self.probe_failures = Counter(
            "metrics_probe_failures_total",
            "Scrape-time probes that failed or timed out, by probe.",
            ["probe"],
            registry=self.registry,
        )

    def probe(self, name: str, probe: Probe) -> None:
        """Run `probe` before every render; it sets gauges from the state it reads."""
        self._probes[name] = probe

    async def refresh(self) -> None:
        for name, probe in self._probes.items():
            try:
                await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
            except Exception as error:  # noqa: BLE001 - a scrape reports what it can
                log.warning("metrics probe %s failed: %s", name, type(error).__name__)
                self.probe_failures.labels(name).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
