"""The dispatcher's decisions per Telegram answer, with hand-written fakes of its ports."""

# ruff: noqa: ARG002 - the fakes implement the ports' full signatures

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from services.notifier.ports import (
    Blocked,
    Claimed,
    Grant,
    Rejected,
    RetryAfter,
    SendResult,
    Sent,
    Slot,
    Transient,
    Via,
)
from services.notifier.use_cases import Dispatcher, DispatchPolicy
from shared.messages import DeadLetter, DeliveryOutcome

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@dataclass
class FakeQueue:
    """Records the final state of each row the dispatcher touched."""

    due: list[Claimed] = field(default_factory=list)
    states: dict[int, tuple[str, object]] = field(default_factory=dict)

    taken_over: set[int] = field(default_factory=set)  # rows another replica took meanwhile
    begun: list[int] = field(default_factory=list)

    async def claim(self, now: datetime, limit: int, lease_seconds: float) -> list[Claimed]:
        rows, self.due = self.due[:limit], self.due[limit:]
        return rows

    async def begin(self, row: Claimed, lease_seconds: float) -> bool:
        if row.id in self.taken_over:
            return False
        self.begun.append(row.id)
        return True

    async def begin_many(self, rows: Sequence[Claimed], lease_seconds: float) -> set[int]:
        return {r.id for r in rows if await self.begin(r, lease_seconds)}

    async def next_due(self, after: datetime) -> datetime | None:
        return None

    async def postpone_many(self, rows: Sequence[tuple[Claimed, datetime]]) -> None:
        for r, due_at in rows:
            await self.postpone(r, due_at)

    async def mark_sent_many(self, sent: Sequence[tuple[Claimed, int]], at: datetime) -> None:
        for r, message_id in sent:
            await self.mark_sent(r, message_id, at)

    async def postpone(self, row: Claimed, due_at: datetime) -> None:
        self.states[row.id] = ("pending", due_at)

    async def mark_sent(self, row: Claimed, message_id: int, at: datetime) -> None:
        self.states[row.id] = ("sent", message_id)

    async def mark_blocked(self, row: Claimed, detail: str) -> None:
        self.states[row.id] = ("blocked", detail)

    async def retry_later(self, row: Claimed, due_at: datetime, error: str) -> None:
        self.states[row.id] = ("retry", due_at)

    async def mark_failed(self, row: Claimed, error: str) -> None:
        self.states[row.id] = ("failed", error)

    async def mark_cancelled(self, row: Claimed, reason: str) -> None:
        self.states[row.id] = ("cancelled", reason)


@dataclass
class FakeLimiter:
    """Lets `capacity` sends through per chat, then asks to wait one second."""

    capacity: int = 1
    used: dict[int, int] = field(default_factory=dict)
    paused: list[float] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)

    async def acquire(self, tenant_id: str, via: Via, chat_id: int) -> Grant:
        if self.used.get(chat_id, 0) >= self.capacity:
            return Grant(wait=1.0)
        self.used[chat_id] = self.used.get(chat_id, 0) + 1
        return Grant(wait=0.0, ticket=f"t{chat_id}:{self.used[chat_id]}")

    async def settle(self, tenant_id: str, via: Via, chat_id: int, ticket: str) -> None:
        self.settled.append(ticket)

    async def acquire_many(self, slots: Sequence[Slot]) -> list[Grant]:
        return [await self.acquire(s.tenant_id, s.via, s.chat_id) for s in slots]

    async def settle_many(self, settled: Sequence[tuple[Slot, str]]) -> None:
        for s, ticket in settled:
            await self.settle(s.tenant_id, s.via, s.chat_id, ticket)

    async def pause(self, tenant_id: str, via: Via, seconds: float) -> None:
        self.paused.append(seconds)


@dataclass
class ScriptedSender:
    answers: dict[int, SendResult]
    calls: list[int] = field(default_factory=list)

    async def send(self, row: Claimed) -> SendResult:
        self.calls.append(row.id)
        return self.answers.get(row.chat_id, Sent(message_id=100 + row.id))


@dataclass
class Bus:
    published: list[tuple[str, msgspec.Struct]] = field(default_factory=list)

    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        self.published.append((subject, event))

    def outcomes(self) -> list[tuple[int, str]]:
        return [(e.chat_id, e.status) for _, e in self.published if isinstance(e, DeliveryOutcome)]


def row(id_: int, chat_id: int, attempts: int = 0, *, blocked: bool = False) -> Claimed:
    return Claimed(
        id=id_,
        tenant_id="salon_anna",
        via="tenant",
        chat_id=chat_id,
        kind="reminder",
        text="hi",
        reply_markup=None,
        attempts=attempts,
        lease_token="lease",
        chat_blocked=blocked,
    )


def dispatcher(
    queue: FakeQueue, limiter: FakeLimiter, sender: ScriptedSender, bus: Bus
) -> Dispatcher:
    return Dispatcher(
        queue=queue,
        limiter=limiter,
        sender=sender,
        events=bus,
        clock=FixedClock(),
        policy=DispatchPolicy(max_attempts=3, backoff_base_seconds=2.0),
    )


async def test_each_answer_leads_to_its_state() -> None:
    queue = FakeQueue(
        due=[row(1, 10), row(2, 20), row(3, 30), row(4, 40), row(5, 50, attempts=2), row(6, 60)]
    )
    sender = ScriptedSender(
        {
            20: Blocked("Forbidden: bot was blocked by the user"),
            30: RetryAfter(5),
            40: Transient("TelegramServerError: 502"),
            50: Transient("TelegramServerError: 502"),
            60: Rejected("TelegramBadRequest: chat not found"),
        }
    )
    limiter, bus = FakeLimiter(), Bus()
    assert await dispatcher(queue, limiter, sender, bus).run_once() == 6

    assert queue.states[1] == ("sent", 101)
    assert queue.states[2][0] == "blocked"
    assert queue.states[3] == ("pending", NOW + timedelta(seconds=5))
    assert limiter.paused == [5]
    assert queue.states[4] == ("retry", NOW + timedelta(seconds=2))  # first failure: base delay
    assert queue.states[5][0] == "failed"  # third failure of three allowed
    assert queue.states[6] == ("failed", "TelegramBadRequest: chat not found")
    assert sorted(bus.outcomes()) == [(10, "sent"), (20, "blocked"), (50, "failed"), (60, "failed")]
    letters = [e for subject, e in bus.published if isinstance(e, DeadLetter)]
    assert {subject for subject, e in bus.published if isinstance(e, DeadLetter)} == {
        "dlq.notifier"
    }
    assert len(letters) == 2
    assert all(letter.service == "notifier" for letter in letters)
    assert len(limiter.settled) == 6  # every answered send moves its window stamp


async def test_rows_over_the_limit_are_postponed_spread_and_not_sent() -> None:
    queue = FakeQueue(due=[row(i, 10) for i in range(1, 5)])
    sender, limiter, bus = ScriptedSender({}), FakeLimiter(capacity=1), Bus()
    await dispatcher(queue, limiter, sender, bus).run_once()

    assert len(sender.calls) == 1
    later = sorted(due for state, due in queue.states.values() if state == "pending")
    assert later == [NOW + timedelta(seconds=s) for s in (1, 2, 3)]  # one a second per chat


async def test_a_chat_that_blocked_the_bot_is_not_tried_again() -> None:
    queue = FakeQueue(due=[row(1, 10, blocked=True)])
    sender, limiter, bus = ScriptedSender({}), FakeLimiter(), Bus()
    await dispatcher(queue, limiter, sender, bus).run_once()
    assert sender.calls == []
    assert limiter.used == {}
    assert queue.states[1][0] == "blocked"
    assert bus.outcomes() == [(10, "blocked")]


@dataclass
class ExplodingSender:
    """A sender that raises what it does not map (a bad token, a bug): no `SendResult` at all."""

    calls: list[int] = field(default_factory=list)

    async def send(self, row: Claimed) -> SendResult:
        self.calls.append(row.id)
        raise RuntimeError("something the sender does not map")


async def test_an_unmapped_error_is_retried_then_fails_with_a_dead_letter() -> None:
    queue = FakeQueue(due=[row(1, 10, attempts=0), row(2, 20, attempts=2)])
    sender, limiter, bus = ExplodingSender(), FakeLimiter(), Bus()
    policy = DispatchPolicy(max_attempts=3, backoff_base_seconds=2.0)
    loop = Dispatcher(
        queue=queue, limiter=limiter, sender=sender, events=bus, clock=FixedClock(), policy=policy
    )
    await loop.run_once()

    assert queue.states[1] == ("retry", NOW + timedelta(seconds=2))
    state, error = queue.states[2]
    assert state == "failed"
    assert "gave up after 3 attempts" in str(error)
    assert "RuntimeError" in str(error)
    assert [subject for subject, e in bus.published if isinstance(e, DeadLetter)] == [
        "dlq.notifier"
    ]
    assert bus.outcomes() == [(20, "failed")]


async def test_a_row_taken_over_by_another_replica_is_not_sent() -> None:
    queue = FakeQueue(due=[row(1, 10), row(2, 20)], taken_over={2})
    sender, limiter, bus = ScriptedSender({}), FakeLimiter(), Bus()
    await dispatcher(queue, limiter, sender, bus).run_once()
    assert sender.calls == [1]
    assert 2 not in queue.states  # nothing written: the other replica owns it
    assert bus.outcomes() == [(10, "sent")]


async def test_a_row_whose_senders_kept_dying_fails_without_another_send() -> None:
    queue = FakeQueue(due=[row(1, 10, attempts=3)])  # three begun sends, none finished
    sender, limiter, bus = ScriptedSender({}), FakeLimiter(), Bus()
    await dispatcher(queue, limiter, sender, bus).run_once()
    assert sender.calls == []
    assert queue.states[1][0] == "failed"
    assert bus.outcomes() == [(10, "failed")]


async def test_a_send_timeout_must_be_shorter_than_the_lease() -> None:
    with pytest.raises(ValueError, match="shorter than the lease"):
        DispatchPolicy(lease_seconds=10, send_timeout_seconds=10)
