"""Consuming JetStream messages reliably: `RetryPolicy`, `subscriber_options`, `Consumer`.

`Consumer.run` acks after the work (sending `in_progress` every `heartbeat_seconds` while it
runs) and nacks any failure but poison with a capped, growing delay. `RetryPolicy.lasting()`
(payments, lifecycle, notifications) retries for longer than the streams keep a message;
`RetryPolicy.interactive(age)` (a person's update) retries while the update is younger than
`age`, then calls the run's `give_up` (one "please try again") and acks. A message that can
never decode (`PoisonMessage`), or one past `max_deliver`, is published as a `DeadLetter` to
`dlq.<service>` and terminated (`python -m shared.dlq` lists, shows, replays and drops them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, PullSub
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as NatsAckPolicy
from nats.js.api import DeliverPolicy

from shared.errors import PoisonMessage
from shared.logs import log_context, redact
from shared.messages import DeadLetter
from shared.metrics import Metrics
from shared.nats_permissions import inbox_prefix
from shared.stored_secrets import carries_secret, erase_stored
from shared.subjects import ConsumerSpec, dead_letter

if TYPE_CHECKING:
    from shared.bus import Publisher

log = logging.getLogger(__name__)

MSG_ID_HEADER = "Nats-Msg-Id"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long a failing message is worth retrying, and how the retries are spaced.

    A failure that is not poison is retried with `backoff_seconds` (the last value repeats: a
    capped exponential backoff) until `max_deliver`, then dead-lettered. `max_age_seconds` bounds
    an interactive update: once it is that old (counted from when the stream stored it) the
    consumer gives up politely (the `give_up` of `Consumer.run`, a "please try again") and acks
    it, without a dead letter. A running handler tells the server every `heartbeat_seconds`
    that it is still working (`in_progress`), well inside `ack_wait_seconds`.
    """

    max_deliver: int = 6
    backoff_seconds: tuple[float, ...] = (0.5, 2.0, 10.0, 30.0, 120.0)
    ack_wait_seconds: float = 30.0
    max_age_seconds: float | None = None

    @classmethod
    def lasting(cls) -> RetryPolicy:
        """Payments and lifecycle: retried for as long as the stream keeps them (30 days).

        10,000 deliveries at most 5 minutes apart is about 34 days, so in practice only poison
        reaches the dead letters."""
        return cls(
            max_deliver=10_000,
            backoff_seconds=(0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
            ack_wait_seconds=60.0,
        )

    @classmethod
    def interactive(cls, max_age_seconds: float) -> RetryPolicy:
        """A person's update: retried while the person may still wait, then "try again"."""
        return cls(
            max_deliver=10_000,
            backoff_seconds=(0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0),
            ack_wait_seconds=60.0,
            max_age_seconds=max_age_seconds,
        )

    @property
    def heartbeat_seconds(self) -> float:
        return max(self.ack_wait_seconds / 3, 0.05)

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


async def ensure_consumers(
    js: JetStreamContext,
    consumers: Iterable[tuple[ConsumerSpec, RetryPolicy]],
    *,
    max_ack_pending: int = 1000,
) -> None:
    """Create or update each durable with its policy's `max_deliver` and `ack_wait`.

    FastStream binds to a durable that already exists without changing it, so a durable made
    under an older policy would keep its old budget (the server would stop redelivering after
    it, with only a MAX_DELIVERIES advisory). Call this before the broker starts.
    """
    for spec, policy in consumers:
        await js.add_consumer(
            spec.stream.name,
            ConsumerConfig(
                name=spec.durable,
                durable_name=spec.durable,
                filter_subject=spec.subject,
                ack_policy=NatsAckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=policy.max_deliver,
                ack_wait=policy.ack_wait_seconds,
                max_ack_pending=max_ack_pending,
            ),
        )


GiveUp = Callable[[], Awaitable[None]]


class Delivery(Protocol):
    """What `Consumer.run` needs of a message: FastStream's `NatsMessage` or a pulled one."""

    @property
    def raw_message(self) -> Msg: ...

    async def ack(self) -> None: ...

    async def nack(self, delay: float | None = None) -> None: ...

    async def reject(self) -> None: ...


def _age_seconds(msg: Delivery) -> float:
    """Seconds since the stream stored this message."""
    stored = msg.raw_message.metadata.timestamp
    return max(0.0, time.time() - stored.timestamp())


class Consumer:
    """Runs one message's work with ack / nack-with-backoff / dead-letter around it.

    While the work runs the server hears `in_progress` every `heartbeat_seconds`, so a slow
    handler is not redelivered to another worker half-way.
    """

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
        self._beats: set[asyncio.Task[None]] = set()  # in_progress calls under way

    async def run(
        self,
        msg: Delivery,
        work: Callable[[], Awaitable[None]],
        *,
        tenant: str | None = None,
        give_up: GiveUp | None = None,
    ) -> None:
        """`give_up` runs once when an interactive update gets too old to retry (an apology)."""
        raw = msg.raw_message
        deliveries = raw.metadata.num_delivered or 1 if raw.metadata else 1
        message_id = (raw.headers or {}).get(MSG_ID_HEADER) or str(
            raw.metadata.sequence.stream if raw.metadata else ""
        )
        started = time.perf_counter()
        with log_context(tenant=tenant, message_id=message_id):
            try:
                await self._with_heartbeat(msg, work)
            except PoisonMessage as error:
                log.warning("poison message on %s: %s", raw.subject, error)
                await self._dead_letter(msg, deliveries, repr(error))
                outcome = "dead_letter"
            except Exception as error:  # noqa: BLE001 - every other failure is retried
                outcome = await self._failed(msg, deliveries, error, give_up)
            else:
                await msg.ack()
                outcome = "ok"
        if outcome != "retry" and self._erase_secrets:
            await self._erase_if_secret(msg)
        self._metrics.messages.labels(self._name, outcome).inc()
        self._metrics.handle_seconds.labels(self._name).observe(time.perf_counter() - started)

    async def _with_heartbeat(self, msg: Delivery, work: Callable[[], Awaitable[None]]) -> None:
        """`in_progress` every `heartbeat_seconds` while `work` runs: a timer, not a task per
        message (most messages are done long before the first beat)."""
        loop = asyncio.get_running_loop()
        every = self._policy.heartbeat_seconds
        timers: list[asyncio.TimerHandle] = []

        def beat() -> None:
            task = loop.create_task(self._in_progress(msg), name=f"heartbeat:{self._name}")
            self._beats.add(task)
            task.add_done_callback(self._beats.discard)
            timers[0] = loop.call_later(every, beat)

        timers.append(loop.call_later(every, beat))
        try:
            await work()
        finally:
            timers[0].cancel()

    @staticmethod
    async def _in_progress(msg: Delivery) -> None:
        try:
            await msg.raw_message.in_progress()
        except Exception as error:  # noqa: BLE001 - NATS away: the work goes on
            log.debug("could not send in_progress: %r", error)

    async def _failed(
        self, msg: Delivery, deliveries: int, error: Exception, give_up: GiveUp | None
    ) -> str:
        subject = msg.raw_message.subject
        delay = self._policy.delay(deliveries)
        max_age = self._policy.max_age_seconds
        if max_age is not None:
            left = max_age - _age_seconds(msg)
            if left <= 0:
                log.warning(
                    "giving up on %s after %d deliveries (older than %.0fs): %r",
                    subject,
                    deliveries,
                    max_age,
                    error,
                )
                await self._give_up(give_up)
                await msg.ack()
                return "gave_up"
            delay = min(delay, left)
        if deliveries >= self._policy.max_deliver:
            log.error("giving up on %s after %d deliveries: %r", subject, deliveries, error)
            await self._dead_letter(msg, deliveries, repr(error))
            return "dead_letter"
        log.warning("retrying %s in %.1fs (delivery %d): %r", subject, delay, deliveries, error)
        await msg.nack(delay=delay)
        return "retry"

    @staticmethod
    async def _give_up(give_up: GiveUp | None) -> None:
        if give_up is None:
            return
        try:
            await give_up()
        except Exception as error:  # noqa: BLE001 - an apology that fails is not retried
            log.warning("could not tell the person to try again: %r", error)

    async def _erase_if_secret(self, msg: Delivery) -> None:
        """A handled message with a secret in it (a bot token a buyer pasted) leaves the stream."""
        raw = msg.raw_message
        if raw.metadata is None or not carries_secret(raw.data):
            return
        await erase_stored(
            self._publisher,
            raw.metadata.stream,
            raw.metadata.sequence.stream,
            what="a secret-bearing message",
        )

    async def _dead_letter(self, msg: Delivery, deliveries: int, error: str) -> None:
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
