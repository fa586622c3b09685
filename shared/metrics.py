"""Prometheus metrics: one registry per service instance (no process-global default)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
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
        self.events = Counter(
            "domain_events_total",
            "Domain happenings worth counting (bookings made, tenants created, ...).",
            ["kind"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
