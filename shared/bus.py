"""JetStream plumbing: streams declared idempotently, publishing with dedup ids, reliable consuming.

Publishing waits for the stream's ack (a `PubAck`); `Nats-Msg-Id` makes a republish within the
duplicate window a no-op, and handlers are idempotent by a unique key for anything later.

Consuming uses manual acks (FastStream's NATS default would *terminate* a message on any
error): `Consumer.run` acks after the work, nacks with a growing delay on a failure, and after
`max_deliver` attempts, or at once for a message that can never decode, publishes a
`DeadLetter` to `dlq.<service>` and terminates the original.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from faststream.exceptions import IncorrectState
from faststream.middlewares import AckPolicy
from faststream.nats import (
    ConsumerConfig,
    JStream,
    NatsBroker,
    NatsMessage,
    NatsUserPassword,
    PullSub,
)
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from nats.js.kv import KeyValue

from shared.errors import PoisonMessage, TransientError
from shared.logs import log_context, redact
from shared.messages import DeadLetter, encode
from shared.metrics import Metrics
from shared.nats_permissions import inbox_prefix
from shared.settings import NatsSettings
from shared.subjects import (
    DUPLICATE_WINDOW_SECONDS,
    KV_CLOCK,
    KV_TENANTS,
    STREAM_DLQ,
    STREAMS,
    ConsumerSpec,
    dead_letter,
)

log = logging.getLogger(__name__)

MSG_ID_HEADER = "Nats-Msg-Id"


async def ensure_streams(js: JetStreamContext) -> None:
    """Create or update every stream; safe on every start of every replica."""
    for spec in STREAMS:
        config = StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            max_age=float(spec.max_age_seconds),
            duplicate_window=float(DUPLICATE_WINDOW_SECONDS),
            storage=StorageType.FILE,
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


async def tenants_bucket(js: JetStreamContext) -> KeyValue:
    try:
        return await js.key_value(KV_TENANTS)
    except Exception:  # noqa: BLE001 - nats-py raises several types for "no bucket yet"
        return await js.create_key_value(bucket=KV_TENANTS, history=1)


async def clock_bucket(js: JetStreamContext) -> KeyValue:
    try:
        return await js.key_value(KV_CLOCK)
    except Exception:  # noqa: BLE001 - as above
        return await js.create_key_value(bucket=KV_CLOCK, history=1)


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


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_deliver: int = 6
    backoff_seconds: tuple[float, ...] = (0.5, 2.0, 10.0, 30.0, 120.0)
    ack_wait_seconds: float = 30.0

    def delay(self, deliveries: int) -> float:
        index = min(max(deliveries - 1, 0), len(self.backoff_seconds) - 1)
        return self.backoff_seconds[index]


def subscriber_options(
    spec: ConsumerSpec, policy: RetryPolicy, *, max_ack_pending: int = 1000
) -> dict[str, Any]:
    """Keyword arguments for `router.subscriber(spec.subject, **...)`: a durable pull consumer.

    Each pull asks for one message: nats-py's `fetch(n)` returns only when `n` messages have
    arrived or its timeout ran out after the first, which would hold an interactive update
    back until others queue up behind it. Concurrency comes from the subscriber's
    `max_workers`, and replicas share the durable consumer.
    """
    return {
        "stream": JStream(spec.stream.name, declare=False),
        "durable": spec.durable,
        # pulled messages come to the service's private inbox (see shared.nats_permissions)
        "inbox_prefix": f"{inbox_prefix(spec.service)}.".encode(),
        "pull_sub": PullSub(batch_size=1, timeout=5.0),
        "ack_policy": AckPolicy.MANUAL,
        "config": ConsumerConfig(
            durable_name=spec.durable,
            max_deliver=policy.max_deliver,
            ack_wait=policy.ack_wait_seconds,
            max_ack_pending=max_ack_pending,
            deliver_policy=DeliverPolicy.ALL,
        ),
    }


class Consumer:
    """Runs one message's work with ack / nack-with-backoff / dead-letter around it."""

    def __init__(
        self,
        *,
        service: str,
        name: str,
        publisher: Publisher,
        metrics: Metrics,
        policy: RetryPolicy,
        erase_secrets: bool = False,
    ) -> None:
        self._service = service
        self._name = name
        self._publisher = publisher
        self._metrics = metrics
        self._policy = policy
        self._erase_secrets = erase_secrets

    async def run(
        self,
        msg: NatsMessage,
        work: Callable[[], Awaitable[None]],
        *,
        tenant: str | None = None,
    ) -> None:
        raw = msg.raw_message
        deliveries = raw.metadata.num_delivered or 1 if raw.metadata else 1
        message_id = (raw.headers or {}).get(MSG_ID_HEADER) or str(
            raw.metadata.sequence.stream if raw.metadata else ""
        )
        started = time.perf_counter()
        with log_context(tenant=tenant, message_id=message_id):
            try:
                await work()
            except PoisonMessage as error:
                log.warning("poison message on %s: %s", raw.subject, error)
                await self._dead_letter(msg, deliveries, repr(error))
                outcome = "dead_letter"
            except Exception as error:
                if deliveries >= self._policy.max_deliver:
                    log.exception("giving up on %s after %d deliveries", raw.subject, deliveries)
                    await self._dead_letter(msg, deliveries, repr(error))
                    outcome = "dead_letter"
                else:
                    delay = self._policy.delay(deliveries)
                    log.warning(
                        "retrying %s in %.1fs (delivery %d): %r",
                        raw.subject,
                        delay,
                        deliveries,
                        error,
                    )
                    await msg.nack(delay=delay)
                    outcome = "retry"
            else:
                await msg.ack()
                outcome = "ok"
        if outcome != "retry" and self._erase_secrets:
            await self._erase_if_secret(msg)
        self._metrics.messages.labels(self._name, outcome).inc()
        self._metrics.handle_seconds.labels(self._name).observe(time.perf_counter() - started)

    async def _erase_if_secret(self, msg: NatsMessage) -> None:
        """Delete a handled message that carries a secret (a bot token a buyer pasted) from the
        stream, so it does not stay there until the stream's max age."""
        raw = msg.raw_message
        text = raw.data.decode("utf-8", errors="replace")
        if redact(text) == text or raw.metadata is None:
            return
        try:
            await self._publisher.erase(raw.metadata.stream, raw.metadata.sequence.stream)
        except Exception:  # noqa: BLE001 - erasing is best effort; max_age removes it anyway
            log.warning("could not erase a secret-bearing message from %s", raw.metadata.stream)

    async def _dead_letter(self, msg: NatsMessage, deliveries: int, error: str) -> None:
        raw = msg.raw_message
        letter = DeadLetter(
            service=self._service,
            subject=raw.subject,
            deliveries=deliveries,
            error=redact(error[:2000]),
            payload=redact(raw.data.decode("utf-8", errors="replace")[:60_000]),
        )
        seq = raw.metadata.sequence.stream if raw.metadata else 0
        await self._publisher.publish(
            dead_letter(self._service), letter, msg_id=f"dlq:{self._service}:{raw.subject}:{seq}"
        )
        await msg.reject()


__all__ = [
    "STREAM_DLQ",
    "Consumer",
    "Publisher",
    "RetryPolicy",
    "clock_bucket",
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
        settings.url,
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
