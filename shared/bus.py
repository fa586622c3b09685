"""JetStream plumbing: streams declared idempotently, publishing with dedup ids, reliable consuming.

Publishing waits for the stream's ack (a `PubAck`); `Nats-Msg-Id` makes a republish within the
duplicate window a no-op, and handlers are idempotent by a unique key for anything later.

Consuming (`Consumer`, `RetryPolicy`, `subscriber_options`, re-exported here) lives in
`shared.consuming`: manual acks, `in_progress` while working, capped growing retries for as long
as a message matters, a polite give-up for a person's old update, and dead letters on
`dlq.<service>` only for what can never be handled.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from faststream.exceptions import IncorrectState
from faststream.nats import NatsBroker, NatsUserPassword
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from nats.js.kv import KeyValue

from shared.consuming import (
    MSG_ID_HEADER,
    Consumer,
    RetryPolicy,
    ensure_consumers,
    subscriber_options,
)
from shared.errors import TransientError
from shared.messages import encode
from shared.nats_permissions import inbox_prefix
from shared.settings import NatsSettings
from shared.subjects import (
    DUPLICATE_WINDOW_SECONDS,
    KV_CLOCK,
    KV_TENANTS,
    STREAM_DLQ,
    STREAMS,
)

log = logging.getLogger(__name__)


async def ensure_streams(js: JetStreamContext, *, replicas: int = 1) -> None:
    """Create or update every stream (kept in `replicas` copies on a cluster); safe on every
    start of every replica."""
    for spec in STREAMS:
        config = StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            max_age=float(spec.max_age_seconds),
            duplicate_window=float(DUPLICATE_WINDOW_SECONDS),
            storage=StorageType.FILE,
            num_replicas=replicas,
        )
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            try:
                await js.add_stream(config)
            except BadRequestError:  # another replica created it first
                await js.update_stream(config)
        else:
            await js.update_stream(config)


async def tenants_bucket(js: JetStreamContext, *, replicas: int = 1) -> KeyValue:
    try:
        return await js.key_value(KV_TENANTS)
    except Exception:  # noqa: BLE001 - nats-py raises several types for "no bucket yet"
        return await js.create_key_value(
            KeyValueConfig(bucket=KV_TENANTS, history=1, replicas=replicas)
        )


async def clock_bucket(js: JetStreamContext, *, replicas: int = 1) -> KeyValue:
    try:
        return await js.key_value(KV_CLOCK)
    except Exception:  # noqa: BLE001 - as above
        return await js.create_key_value(
            KeyValueConfig(bucket=KV_CLOCK, history=1, replicas=replicas)
        )


class Publisher:
    """Publishes events to JetStream and waits for the stream to store them."""

    def __init__(self, broker: NatsBroker, *, timeout: float = 5.0) -> None:
        self._broker = broker
        self._timeout = timeout

    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await self.publish_raw(subject, encode(event), msg_id=msg_id)

    async def publish_raw(self, subject: str, payload: bytes, *, msg_id: str) -> None:
        if not self._connected():
            # While NATS is away the client would buffer the publish and wait out the whole
            # timeout: refuse at once, so a webhook's caller gets its 503 before it gives up.
            raise TransientError(f"could not publish to {subject}: NATS is not connected")
        try:
            ack = await self._broker.publish(
                payload,
                subject,
                headers={MSG_ID_HEADER: msg_id, "content-type": "application/json"},
                stream=self._stream_of(subject),
                timeout=self._timeout,
            )
        except Exception as error:
            raise TransientError(f"could not publish to {subject}: {error!r}") from error
        if ack is None:
            raise TransientError(f"no stream acknowledged {subject}")

    def _connected(self) -> bool:
        try:
            return bool(self._broker.connection.is_connected)
        except IncorrectState:  # never connected
            return False

    async def erase(self, stream: str, sequence: int) -> None:
        """Securely delete one stored message (overwritten, not just marked)."""
        await self._broker.connection.jetstream().delete_msg(stream, sequence)

    @staticmethod
    def _stream_of(subject: str) -> str:
        head = subject.split(".", 1)[0]
        for spec in STREAMS:
            if any(s.split(".", 1)[0] == head for s in spec.subjects):
                return spec.name
        raise ValueError(f"subject {subject} belongs to no stream")


__all__ = [
    "MSG_ID_HEADER",
    "STREAM_DLQ",
    "Consumer",
    "Publisher",
    "RetryPolicy",
    "clock_bucket",
    "ensure_consumers",
    "ensure_streams",
    "subscriber_options",
    "tenants_bucket",
]


def make_broker(nats: NatsSettings | str, service: str) -> NatsBroker:
    """A broker that logs in as the configured NATS user, with replies on that user's private
    inbox (`_INBOX_<user>`, the only one its permissions let it read); its own per-message
    logging is at DEBUG (ours carries tenant and ids)."""
    settings = nats if isinstance(nats, NatsSettings) else NatsSettings(url=nats, publish_timeout=5)
    security = None
    if settings.user:
        security = NatsUserPassword(settings.user, settings.password.reveal())
    return NatsBroker(
        settings.servers,
        name=service,
        inbox_prefix=inbox_prefix(settings.user),
        logger=logging.getLogger(f"faststream.{service}"),
        log_level=logging.DEBUG,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        graceful_timeout=15.0,
        security=security,
    )


async def open_bus(broker: NatsBroker) -> JetStreamContext:
    """Connect; subscribers are included after this, then `start()`.

    Streams and KV buckets are created by the admin set-up (`python -m shared.bus_setup`).
    Only on a server without authentication (a plain development NATS, e.g. Debian's 2.9)
    does a service declare them itself, as every service could before the bus was locked.
    """
    await broker.connect()
    connection = broker.connection
    js = connection.jetstream()
    # nats-py keeps the server's INFO only in a private field; `auth_required` is in it.
    server_info: dict[str, Any] = getattr(connection, "_server_info", {}) or {}
    if not server_info.get("auth_required"):
        await ensure_streams(js)
        await tenants_bucket(js)
    return js
