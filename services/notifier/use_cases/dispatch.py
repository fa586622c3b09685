"""The dispatcher: claims due deliveries, keeps every bot under Telegram's flood limits, sends once.

Several replicas run it against one table: a claim takes due rows with `FOR UPDATE SKIP
LOCKED` and a lease (in database time, so a controllable service clock cannot expire it), and a
replica killed mid-batch leaves rows whose lease runs out and which another replica retries.

Flood safety is a shared Redis limiter, asked before each send: a row whose bot or chat is over
its rate is *postponed* (its `due_at` moved) instead of sent, so Telegram sees no burst. A 429
that slips through anyway pauses the whole bot for `retry_after`.

"Sent once": a row is marked `sent` in the step right after Telegram's answer, and events are
turned into rows idempotently (unique `dedup_key`), so redelivered events send nothing twice.
The one remaining at-least-once window: a replica killed (or stalled past its lease) after
Telegram accepted a message but before `mark_sent` committed leaves the row `sending`; when
its lease expires the row is sent again. It is as short as one UPDATE, and the Bot API offers
no idempotency key that would close it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from services.notifier.ports import (
    Blocked,
    Claimed,
    DeliveryQueue,
    Events,
    Inactive,
    RateLimiter,
    Rejected,
    RetryAfter,
    Sender,
    Sent,
    Transient,
)
from shared.clock import Clock
from shared.errors import TransientError
from shared.messages import DeadLetter, DeliveryOutcome
from shared.subjects import dead_letter, delivery_outcome

log = logging.getLogger(__name__)
SERVICE = "notifier"
OutcomeStatus = Literal["sent", "blocked", "failed"]


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    per_bot_rate: float = 30.0
    per_chat_rate: float = 1.0
    poll_seconds: float = 0.5
    max_attempts: int = 8
    batch_size: int = 200
    concurrency: int = 32
    lease_seconds: float = 60.0
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 600.0

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed tries: 2, 4, 8, ... capped."""
        growth: float = 2.0 ** max(attempts - 1, 0)
        return min(self.backoff_base_seconds * growth, self.backoff_max_seconds)


class _Spread:
    """Within one batch, rows postponed for the same bot or chat are spaced by its rate, so they
    come due about when a slot frees instead of all at once (the limiter still decides)."""

    def __init__(self, policy: DispatchPolicy) -> None:
        self._policy = policy
        self._bots: Counter[tuple[str, str]] = Counter()
        self._chats: Counter[tuple[str, str, int]] = Counter()

    def delay(self, row: Claimed) -> float:
        bot = (row.tenant_id, row.via)
        chat = (row.tenant_id, row.via, row.chat_id)
        delay = max(
            self._bots[bot] / self._policy.per_bot_rate,
            self._chats[chat] / self._policy.per_chat_rate,
        )
        self._bots[bot] += 1
        self._chats[chat] += 1
        return delay


class Dispatcher:
    def __init__(
        self,
        *,
        queue: DeliveryQueue,
        limiter: RateLimiter,
        sender: Sender,
        events: Events,
        clock: Clock,
        policy: DispatchPolicy,
    ) -> None:
        self._queue = queue
        self._limiter = limiter
        self._sender = sender
        self._events = events
        self._clock = clock
        self._policy = policy
        self._wakeup = asyncio.Event()
        self._released_at = 0.0

    def wake(self) -> None:
        """New rows were added: look now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            self._wakeup.clear()
            try:
                claimed = await self.run_once()
                if claimed >= self._policy.batch_size:
                    continue  # more are due right now
                pause = await self._idle_seconds()
            except Exception:  # the loop survives a bad tick; rows keep their leases
                log.exception("dispatch tick failed")
                pause = self._policy.poll_seconds
            if pause > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=pause)

    async def run_once(self) -> int:
        """Claim one batch of due rows and try each; returns how many were claimed."""
        if time.monotonic() - self._released_at > min(5.0, self._policy.lease_seconds / 4):
            self._released_at = time.monotonic()
            if released := await self._queue.release_expired():
                log.warning("took back %d deliveries whose lease expired", released)
        rows = await self._queue.claim(
            self._clock.now(), self._policy.batch_size, self._policy.lease_seconds
        )
        if not rows:
            return 0
        spread = _Spread(self._policy)
        gate = asyncio.Semaphore(self._policy.concurrency)

        async def one(row: Claimed) -> None:
            async with gate:
                try:
                    await self.deliver(row, spread)
                except Exception:  # one row's surprise must not stop the batch
                    log.exception("delivery %d failed unexpectedly; its lease will expire", row.id)

        await asyncio.gather(*(one(row) for row in rows))
        return len(rows)

    async def deliver(self, row: Claimed, spread: _Spread | None = None) -> None:
        if row.chat_blocked:
            await self._queue.mark_blocked(row, "the chat blocked this bot earlier")
            await self._outcome(row, "blocked", "chat blocked earlier")
            return
        grant = await self._limiter.acquire(row.tenant_id, row.via, row.chat_id)
        if grant.wait > 0:
            delay = spread.delay(row) if spread else 0.0
            await self._queue.postpone(row, self._later(grant.wait + delay))
            return
        try:
            result = await self._sender.send(row)
        finally:
            # The answer is in: Telegram counted this message no later than now.
            await self._limiter.settle(row.tenant_id, row.via, row.chat_id, grant.ticket)
        match result:
            case Sent(message_id=message_id):
                await self._queue.mark_sent(row, message_id, self._clock.now())
                await self._outcome(row, "sent")
            case RetryAfter(seconds=seconds):
                log.warning("429 for delivery %d: the bot pauses %.1fs", row.id, seconds)
                await self._limiter.pause(row.tenant_id, row.via, seconds)
                await self._queue.postpone(row, self._later(seconds))
            case Blocked(detail=detail):
                await self._queue.mark_blocked(row, detail)
                await self._outcome(row, "blocked", detail)
            case Transient(detail=detail):
                if row.attempts + 1 >= self._policy.max_attempts:
                    await self._fail(row, f"gave up after {row.attempts + 1} attempts: {detail}")
                else:
                    delay = self._policy.backoff(row.attempts + 1)
                    await self._queue.retry_later(row, self._later(delay), detail)
            case Rejected(detail=detail):
                await self._fail(row, detail)
            case Inactive(detail=detail):
                await self._queue.mark_cancelled(row, detail)
                await self._outcome(row, "failed", detail)

    async def _idle_seconds(self) -> float:
        next_due = await self._queue.next_due()
        if next_due is None:
            return self._policy.poll_seconds
        until = (next_due - self._clock.now()).total_seconds()
        return max(0.0, min(until, self._policy.poll_seconds))

    def _later(self, seconds: float) -> datetime:
        return self._clock.now() + timedelta(seconds=seconds)

    async def _fail(self, row: Claimed, error: str) -> None:
        await self._queue.mark_failed(row, error)
        letter = DeadLetter(
            service=SERVICE,
            subject=delivery_outcome(row.tenant_id),
            deliveries=row.attempts + 1,
            error=error[:2000],
            payload=msgspec.json.encode(
                {
                    "delivery_id": row.id,
                    "tenant_id": row.tenant_id,
                    "via": row.via,
                    "chat_id": row.chat_id,
                    "kind": row.kind,
                    "text": row.text,
                }
            ).decode(),
        )
        try:
            await self._events.publish(
                dead_letter(SERVICE), letter, msg_id=f"dlq:notifier:delivery:{row.id}"
            )
        except TransientError:
            log.warning("could not dead-letter delivery %d", row.id, exc_info=True)
        await self._outcome(row, "failed", error)

    async def _outcome(self, row: Claimed, status: OutcomeStatus, detail: str = "") -> None:
        outcome = DeliveryOutcome(
            tenant_id=row.tenant_id,
            chat_id=row.chat_id,
            kind=row.kind,
            status=status,
            detail=detail[:500],
        )
        try:
            await self._events.publish(
                delivery_outcome(row.tenant_id), outcome, msg_id=f"delivery:{row.id}"
            )
        except TransientError:  # the row's state is recorded; the outcome is a notification
            log.warning("could not publish the outcome of delivery %d", row.id, exc_info=True)
