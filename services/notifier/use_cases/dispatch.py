"""The dispatcher: claims due deliveries, keeps every bot under Telegram's flood limits, sends once.

Several replicas run it against one table. A claim takes due rows with `FOR UPDATE SKIP LOCKED`
under a lease and a fresh token (database time, so a controllable service clock cannot expire
it); it also takes rows left `sending` by a sender that died, once their lease ran out.

"Sent once", against other replicas: the lease is checked again right before each send.
`begin` (one statement for a chunk of rows sent together) keeps a row only if its token is
still ours, extends the lease to a full
`lease_seconds` from now and counts the attempt, in one statement; the send itself is cut off
after `send_timeout_seconds`, which is shorter than the lease. So no other replica can take the
row while it is being sent, and a replica whose row was taken over (its batch was slow) skips
it. Every outcome is written only under the same token. Events are turned into rows
idempotently (unique `dedup_key`), so redelivered events send nothing twice either.

The one at-least-once window left: a sender killed after Telegram accepted a message and
before `mark_sent` committed (or stalled longer than the lease) leaves the row `sending`, sent
again once the lease runs out; the Bot API has no idempotency key to close it. Writing `sent`
is retried for about 16 s, so a Postgres restart does not open it.

Failures: 429 pauses the bot; a Transient answer, a timeout or any error the sender does not
map counts an attempt and is retried with backoff; after `max_attempts` begun attempts (a
killed sender's included) the row ends `failed` with a dead letter on `dlq.notifier`.

Flood safety: a shared Redis limiter is asked before each send (one atomic call for a chunk,
deciding its rows in order, so two rows for one chat are spaced as if asked apart); a row over
its bot's or chat's rate is *postponed* (its `due_at` moved), so Telegram sees no burst.
Late reminders are reworded, or dropped once the visit has started (`late.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
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
    SendResult,
    Sent,
    Slot,
    Transient,
)
from services.notifier.use_cases.late import ON_TIME, LateReminders
from shared.clock import Clock
from shared.errors import TransientError
from shared.logs import redact
from shared.messages import DeadLetter, DeliveryOutcome
from shared.subjects import dead_letter, delivery_outcome

log = logging.getLogger(__name__)

RETRY_SOON_SECONDS = 2.0  # a row whose send could not even start (infrastructure away)
SERVICE = "notifier"
OutcomeStatus = Literal["sent", "blocked", "failed"]


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    per_bot_rate: float = 30.0
    per_chat_rate: float = 1.0
    poll_seconds: float = 0.5
    max_attempts: int = 8
    batch_size: int = 512
    concurrency: int = 512  # sends in flight at most
    chunk_size: int = 64  # rows handled by one limiter call, one `begin`, one mark
    batches_in_flight: int = 2  # `run` claims the next batch while this many are out
    lease_seconds: float = 60.0
    send_timeout_seconds: float = 15.0
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 600.0
    # Tries to record `sent` before leaving it to the lease: 0.25 s doubling, about 16 s in all,
    # enough for a Postgres restart; the row's lease (>= 45 s left after a send) still holds it.
    mark_retries: int = 7

    def __post_init__(self) -> None:
        if min(self.chunk_size, self.concurrency, self.batches_in_flight) < 1:
            raise ValueError("chunks, concurrency and batches in flight must be at least 1")
        if self.send_timeout_seconds <= 0 or self.lease_seconds <= self.send_timeout_seconds:
            raise ValueError("a send's timeout must be positive and shorter than the lease")

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
        late: LateReminders | None = None,
    ) -> None:
        self._queue = queue
        self._limiter = limiter
        self._sender = sender
        self._events = events
        self._clock = clock
        self._policy = policy
        self._late = late
        self._wakeup = asyncio.Event()
        self._chunk = min(policy.chunk_size, policy.concurrency)
        self._gate = asyncio.Semaphore(max(1, policy.concurrency // self._chunk))  # chunks

    def wake(self) -> None:
        """New rows were added: look now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Deliver until cancelled.

        While a full batch is out, the next one is claimed and started (at most
        `batches_in_flight` at a time, sharing one bound on the sends in flight), so the
        slowest answers of one batch do not hold up the rows due behind it.
        """
        async with asyncio.TaskGroup() as group:
            running: set[asyncio.Task[None]] = set()
            while True:
                self._wakeup.clear()
                try:
                    rows = await self._claim()
                    if rows:
                        task = group.create_task(self._dispatch_logged(rows))
                        running.add(task)
                        task.add_done_callback(running.discard)
                    if len(rows) >= self._policy.batch_size:  # more are due right now
                        if len(running) >= self._policy.batches_in_flight:
                            await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    pause = await self._idle_seconds()
                except Exception:  # the loop survives a bad tick; rows keep their leases
                    log.exception("dispatch tick failed")
                    pause = self._policy.poll_seconds
                if pause > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), timeout=pause)

    async def run_once(self) -> int:
        """Claim one batch of due rows and try each; returns how many were claimed.

        The batch goes out in chunks of `chunk_size` rows, `concurrency // chunk_size` chunks at
        a time. Each chunk costs a handful of round trips whatever its size: one limiter call
        for all its rows, one statement postponing the rows over a limit, one `begin` for the
        rest right before they are sent (concurrently), one settle, one statement marking the
        sent ones; outcomes are published concurrently.
        """
        rows = await self._claim()
        await self._dispatch(rows)
        return len(rows)

    async def _claim(self) -> list[Claimed]:
        return await self._queue.claim(
            self._clock.now(), self._policy.batch_size, self._policy.lease_seconds
        )

    async def _dispatch_logged(self, rows: list[Claimed]) -> None:
        try:
            await self._dispatch(rows)
        except Exception:  # rows keep their leases; the loop goes on
            log.exception("a batch of %d deliveries failed unexpectedly", len(rows))

    async def _dispatch(self, rows: list[Claimed]) -> None:
        spread = _Spread(self._policy)
        ready: list[Claimed] = []
        for row in rows:
            try:
                found = await self._ready(row)
            except Exception:  # Postgres away before anything was sent
                log.exception("delivery %d could not start; trying again shortly", row.id)
                await self._retry_soon([row])
                continue
            if found is not None:
                ready.append(found)
        size = self._chunk

        async def one(chunk: list[Claimed]) -> None:
            sent: list[Claimed] = []
            async with self._gate:
                try:
                    sent = await self._deliver_chunk(chunk, spread)
                except Exception:  # one chunk's surprise must not stop the batch
                    log.exception(
                        "%d deliveries failed unexpectedly; their leases will run out", len(chunk)
                    )
            await self._sent_outcomes(sent)  # outside the gate: the next chunk may go meanwhile

        await asyncio.gather(*(one(ready[i : i + size]) for i in range(0, len(ready), size)))

    async def deliver(self, row: Claimed) -> None:
        """Try one claimed row now (a chunk of one)."""
        ready = await self._ready(row)
        if ready is not None:
            await self._sent_outcomes(await self._deliver_chunk([ready], _Spread(self._policy)))

    async def _deliver_chunk(self, rows: list[Claimed], spread: _Spread) -> list[Claimed]:
        """Deliver a chunk; the rows recorded `sent` (their outcomes are the caller's)."""
        slots = [Slot(row.tenant_id, row.via, row.chat_id) for row in rows]
        try:
            grants = await self._limiter.acquire_many(slots)
        except Exception:  # Redis away before anything was sent
            # Nothing went out: give the rows back to be tried again shortly instead of holding
            # them for the whole lease (an owner's alert would wait a minute after a Redis blip).
            log.exception("%d deliveries could not start; trying again shortly", len(rows))
            await self._retry_soon(rows)
            return []
        later = [
            (row, self._later(grant.wait + spread.delay(row)))
            for row, grant in zip(rows, grants, strict=True)
            if grant.wait > 0
        ]
        go = [
            (row, slot, grant.ticket)
            for row, slot, grant in zip(rows, slots, grants, strict=True)
            if grant.wait <= 0
        ]
        try:
            if later:
                await self._queue.postpone_many(later)
            sending, results = await self._send_chunk([row for row, _, _ in go])
        finally:
            # The answers are in: Telegram counted these messages no later than now.
            await self._settle([(slot, ticket) for _, slot, ticket in go])
        return await self._record_many(sending, results)

    async def _send_chunk(self, rows: list[Claimed]) -> tuple[list[Claimed], list[SendResult]]:
        """Begin the rows still ours (one statement) and send them concurrently."""
        if not rows:
            return [], []
        try:
            mine = await self._queue.begin_many(rows, self._policy.lease_seconds)
        except Exception:  # nothing was sent
            log.exception("%d deliveries could not begin; trying again shortly", len(rows))
            await self._retry_soon(rows)
            return [], []
        sending = [row for row in rows if row.id in mine]
        for row in rows:
            if row.id not in mine:
                log.info("delivery %d was taken over by another replica; not sending", row.id)
        return sending, await self._send_all(sending)

    async def _settle(self, settled: list[tuple[Slot, str]]) -> None:
        if not settled:
            return
        try:
            await self._limiter.settle_many(settled)
        except Exception:  # the stamps stay where they were taken; the sends must be recorded
            log.warning("could not settle %d limiter slots", len(settled), exc_info=True)

    async def _sent_outcomes(self, rows: list[Claimed]) -> None:
        if rows:
            await asyncio.gather(*(self._outcome(row, "sent") for row in rows))

    async def _record_many(self, rows: list[Claimed], results: list[SendResult]) -> list[Claimed]:
        """Record every answer; the rows recorded `sent`."""
        sent = [
            (row, result.message_id)
            for row, result in zip(rows, results, strict=True)
            if isinstance(result, Sent)
        ]
        recorded: list[Claimed] = []
        if sent:
            try:
                await self._mark_sent_many(sent)
            except Exception:  # left `sending`: the lease runs out (the at-least-once window)
                log.exception("could not record %d sent deliveries", len(sent))
            else:
                recorded = [row for row, _ in sent]
        for row, result in zip(rows, results, strict=True):
            if not isinstance(result, Sent):
                try:
                    await self._record(row, result)
                except Exception:
                    log.exception("delivery %d: its outcome could not be recorded", row.id)
        return recorded

    async def _retry_soon(self, rows: list[Claimed]) -> None:
        with contextlib.suppress(Exception):  # then the leases run out as before
            await self._queue.postpone_many(
                [(row, self._later(RETRY_SOON_SECONDS)) for row in rows]
            )

    async def _ready(self, row: Claimed) -> Claimed | None:
        """The row as it should go out now, or None when it is settled without a send."""
        if row.chat_blocked:
            await self._queue.mark_blocked(row, "the chat blocked this bot earlier")
            await self._outcome(row, "blocked", "chat blocked earlier")
            return None
        if row.attempts >= self._policy.max_attempts:  # its last sender died mid-send
            await self._fail(row, f"gave up after {row.attempts} attempts; the last one stopped")
            return None
        late, visit = self._late, row.visit
        verdict = late.review(visit, self._clock.now()) if late and visit else ON_TIME
        if verdict.skip:
            await self._queue.mark_cancelled(row, "the visit had started before it could go")
            return None
        if verdict.text is not None:
            return dataclasses.replace(row, text=verdict.text)
        return row

    async def _record(self, row: Claimed, result: SendResult) -> None:
        match result:
            case Sent(message_id=message_id):
                await self._mark_sent_many([(row, message_id)])
                await self._outcome(row, "sent")
            case RetryAfter(seconds=seconds):
                log.warning("429 for delivery %d: the bot pauses %.1fs", row.id, seconds)
                await self._limiter.pause(row.tenant_id, row.via, seconds)
                await self._queue.postpone(row, self._later(seconds))
            case Blocked(detail=detail):
                await self._queue.mark_blocked(row, detail)
                await self._outcome(row, "blocked", detail)
            case Transient(detail=detail):
                attempts = row.attempts + 1  # this one included
                if attempts >= self._policy.max_attempts:
                    await self._fail(row, f"gave up after {attempts} attempts: {detail}")
                else:
                    delay = self._policy.backoff(attempts)
                    await self._queue.retry_later(row, self._later(delay), detail)
            case Rejected(detail=detail):
                await self._fail(row, detail)
            case Inactive(detail=detail):
                await self._queue.mark_cancelled(row, detail)
                await self._outcome(row, "failed", detail)

    async def _send_all(self, rows: list[Claimed]) -> list[SendResult]:
        """The sender's answers, all cut off `send_timeout_seconds` after they started (one timer
        for the chunk); a timeout or an error the sender does not map is a `Transient` answer
        (retried, then failed), never a row left `sending`."""
        tasks = [asyncio.ensure_future(self._send(row)) for row in rows]
        try:
            _, late = await asyncio.wait(tasks, timeout=self._policy.send_timeout_seconds)
        except asyncio.CancelledError:  # the dispatcher stops: so do its sends
            for task in tasks:
                task.cancel()
            raise
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        timed_out = Transient(f"no answer within {self._policy.send_timeout_seconds:g}s")
        return [timed_out if task.cancelled() else task.result() for task in tasks]

    async def _send(self, row: Claimed) -> SendResult:
        try:
            return await self._sender.send(row)
        except Exception as error:  # any surprise is one failed attempt
            log.warning("delivery %d: unexpected send error", row.id, exc_info=True)
            return Transient(redact(f"unexpected {type(error).__name__}: {error}"))

    async def _mark_sent_many(self, sent: list[tuple[Claimed, int]]) -> None:
        """Record `sent`, retrying a failed write: until it lands, the rows can be sent again."""
        for attempt in range(self._policy.mark_retries):
            try:
                await self._queue.mark_sent_many(sent, self._clock.now())
            except Exception:
                if attempt + 1 == self._policy.mark_retries:
                    raise
                log.warning("could not record %d deliveries as sent; retrying", len(sent))
                await asyncio.sleep(0.25 * 2**attempt)
            else:
                return

    async def _idle_seconds(self) -> float:
        now = self._clock.now()
        next_due = await self._queue.next_due(now)
        if next_due is None:
            return self._policy.poll_seconds
        until = (next_due - now).total_seconds()
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
            ref=row.ref or "",
        )
        try:
            await self._events.publish(
                delivery_outcome(row.tenant_id), outcome, msg_id=f"delivery:{row.id}"
            )
        except TransientError:  # the row's state is recorded; the outcome is a notification
            log.warning("could not publish the outcome of delivery %d", row.id, exc_info=True)
