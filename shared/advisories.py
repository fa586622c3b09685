"""JetStream's MAX_DELIVERIES advisories for a service's own consumers, counted in metrics.

The server publishes `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<durable>` when a
message has used up a consumer's `max_deliver` without an ack (for example when its last
delivery timed out). Each one is counted in `bus_max_deliveries_total{consumer=<durable>}`
and logged; a rising counter means messages are being dropped without a dead letter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import msgspec
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from prometheus_client import Counter

from shared.metrics import Metrics
from shared.subjects import CONSUMERS, ConsumerSpec

log = logging.getLogger(__name__)


def max_deliveries_subject(spec: ConsumerSpec) -> str:
    return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{spec.stream.name}.{spec.durable}"


class _Advisory(msgspec.Struct):
    stream: str = ""
    consumer: str = ""
    stream_seq: int = 0
    deliveries: int = 0


async def count_max_deliveries(
    broker: NatsBroker,
    service: str,
    metrics: Metrics,
    consumers: Iterable[ConsumerSpec] = CONSUMERS,
) -> Counter:
    """Subscribe (core NATS; it survives reconnects) for every durable `service` reads."""
    counter = Counter(
        "bus_max_deliveries_total",
        "Messages a consumer stopped delivering after max_deliver attempts (JetStream advisory).",
        ["consumer"],
        registry=metrics.registry,
    )
    connection = broker.connection

    async def on_advisory(msg: Msg) -> None:
        try:
            advisory = msgspec.json.decode(msg.data, type=_Advisory)
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("unreadable advisory on %s", msg.subject)
            return
        counter.labels(advisory.consumer).inc()
        log.error(
            "%s/%s gave up on stream sequence %d after %d deliveries",
            advisory.stream,
            advisory.consumer,
            advisory.stream_seq,
            advisory.deliveries,
        )

    for spec in consumers:
        if spec.service == service:
            counter.labels(spec.durable)
            await connection.subscribe(max_deliveries_subject(spec), cb=on_advisory)
    return counter
