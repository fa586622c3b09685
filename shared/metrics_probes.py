"""Scrape-time probes every service shares: its consumers' lag and its dead letters.

A service may read only its own durables and the DLQ stream's info (shared/nats_permissions),
so each reports its own backlog; the dashboards sum them.
"""

from __future__ import annotations

from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.metrics import Metrics
from shared.subjects import CONSUMERS, STREAM_DLQ, ConsumerSpec, dead_letter


def watch_bus(
    metrics: Metrics,
    js: JetStreamContext,
    service: str,
    consumers: Iterable[ConsumerSpec] = CONSUMERS,
) -> None:
    """Register the bus probes of `service` on `metrics`."""
    own = [consumer for consumer in consumers if consumer.service == service]
    dlq_subject = dead_letter(service)

    async def consumers_lag() -> None:
        for consumer in own:
            stream = consumer.stream.name
            try:
                info = await js.consumer_info(stream, consumer.durable)
            except NotFoundError:
                continue  # not created yet: the service creates it when it starts consuming
            metrics.consumer_pending.labels(stream, consumer.durable).set(info.num_pending or 0)
            metrics.consumer_ack_pending.labels(stream, consumer.durable).set(
                info.num_ack_pending or 0
            )

    async def dead_letters() -> None:
        info = await js.stream_info(STREAM_DLQ.name, subjects_filter=dlq_subject)
        metrics.dead_letters.set((info.state.subjects or {}).get(dlq_subject, 0))

    if own:
        metrics.probe("consumers", consumers_lag)
    metrics.probe("dead_letters", dead_letters)
