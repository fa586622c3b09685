# ruff: noqa: ARG002 - the fakes implement the ports' full signatures
"""Broadcasts in the notifier with hand-written fakes: the rows a request becomes (opted-out
chats left out, the progress message first, the buttons), and the progress loop (edits through
the limiter, the final figures once nothing is left, the report once, waiting for the progress
message)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.ports import Grant, Markup, NewDelivery, SendResult, Sent, Slot, Via
from services.notifier.use_cases.broadcasts import Broadcasts, Progress
from services.notifier.use_cases.marketing_ports import Broadcast, Running, Started, Tally
from services.notifier.use_cases.texts import LOCALES, Texts
from shared.messages import BroadcastRequested

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]

NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@dataclass
class FakeMarketing:
    opted: set[int] = field(default_factory=set)
    added: list[NewDelivery] = field(default_factory=list)
    busy: bool = False
    runs: list[Running] = field(default_factory=list)
    tallies: dict[int, Tally] = field(default_factory=dict)
    finished: list[tuple[int, str, NewDelivery]] = field(default_factory=list)
    shown_texts: list[str] = field(default_factory=list)

    async def start(
        self, broadcast: Broadcast, rows: Sequence[NewDelivery], refused: NewDelivery
    ) -> Started:
        self.added += [refused] if self.busy else list(rows)
        return "busy" if self.busy else "started"

    async def opted_out(self, tenant_id: str, chat_ids: Sequence[int]) -> set[int]:
        return self.opted & set(chat_ids)

    async def running(self) -> list[Running]:
        return self.runs

    async def tally(self, tenant_id: str, broadcast_id: int) -> Tally:
        return self.tallies[broadcast_id]

    async def shown(self, tenant_id: str, broadcast_id: int, text: str, at: datetime) -> None:
        self.shown_texts.append(text)

    async def finish(
        self, tenant_id: str, broadcast_id: int, text: str, report: NewDelivery
    ) -> bool:
        self.finished.append((broadcast_id, text, report))
        return True


@dataclass
class FakeEditor:
    edits: list[tuple[int, str, Markup | None]] = field(default_factory=list)

    async def edit(
        self, tenant_id: str, chat_id: int, message_id: int, text: str, markup: Markup | None
    ) -> SendResult:
        self.edits.append((message_id, text, markup))
        return Sent(message_id)


@dataclass
class FakeLimiter:
    wait: float = 0.0
    asked: int = 0

    async def acquire(self, tenant_id: str, via: Via, chat_id: int) -> Grant:
        self.asked += 1
        return Grant(self.wait, "t")

    async def settle(self, tenant_id: str, via: Via, chat_id: int, ticket: str) -> None:
        return None

    async def acquire_many(self, slots: Sequence[Slot]) -> list[Grant]:
        return [Grant(self.wait, "t") for _ in slots]

    async def settle_many(self, settled: Sequence[tuple[Slot, str]]) -> None:
        return None

    async def pause(self, tenant_id: str, via: Via, seconds: float) -> None:
        return None


TEXTS = Texts.load(LOCALES)


async def test_a_request_becomes_the_progress_first_then_one_row_per_customer() -> None:
    store = FakeMarketing(opted={12})
    use = Broadcasts(store=store, texts=TEXTS, clock=FixedClock())
    event = BroadcastRequested(
        tenant_id="t_one",
        broadcast_id=7,
        owner_chat_id=1,
        text="<b>Скидка</b>",
        recipients=(11, 12, 13, 13),
        photo="AgACAgIAAxk-photo",
        book_button=True,
    )
    assert await use.on_requested(event) == "started"
    progress, *rows = store.added
    assert progress.kind == "broadcast_progress"
    assert progress.chat_id == 1
    assert progress.due_at < NOW
    assert "0 %" in progress.text
    assert "Остановить" in str(progress.reply_markup)
    assert [r.chat_id for r in rows] == [11, 13]  # 12 opted out, 13 once
    for row in rows:
        assert (row.kind, row.ref, row.photo, row.text) == (
            "broadcast",
            "bcast:7",
            "AgACAgIAAxk-photo",
            "<b>Скидка</b>",
        )
        buttons = [b["callback_data"] for line in row.reply_markup["inline_keyboard"] for b in line]
        assert buttons == ["mkbk:0:0", "mko:0"]


async def test_a_second_broadcast_while_one_runs_is_refused_with_a_notice() -> None:
    store = FakeMarketing(busy=True)
    use = Broadcasts(store=store, texts=TEXTS, clock=FixedClock())
    event = BroadcastRequested(
        tenant_id="t_one", broadcast_id=8, owner_chat_id=1, text="x", recipients=(11,)
    )
    assert await use.on_requested(event) == "busy"
    (notice,) = store.added
    assert "предыдущая ещё идёт" in notice.text


def running(message_id: int | None, *, shown: str = "", waits: bool = False) -> Running:
    return Running(
        broadcast=Broadcast(
            tenant_id="t_one", broadcast_id=7, owner_chat_id=1, locale="ru", total=10
        ),
        stopped=False,
        shown=shown,
        shown_at=NOW - timedelta(seconds=10),
        progress_message_id=message_id,
        progress_waits=waits,
    )


async def test_progress_is_edited_through_the_limiter_and_finished_once_with_a_report() -> None:
    store = FakeMarketing(runs=[running(5)], tallies={7: Tally(sent=4, left=6)})
    editor, limiter = FakeEditor(), FakeLimiter()
    progress = Progress(
        store=store, editor=editor, limiter=limiter, texts=TEXTS, clock=FixedClock()
    )
    assert await progress.tick() == 0
    ((message_id, text, markup),) = editor.edits
    assert message_id == 5
    assert "40 %" in text
    assert "Отправлено: 4 из 10" in text
    assert markup is not None
    assert limiter.asked == 1

    store.tallies[7] = Tally(sent=9, blocked=1)
    assert await progress.tick() == 1
    _, final, markup = editor.edits[-1]
    assert "100 %" in final
    assert markup is None  # «Остановить» goes
    ((_, _, report),) = store.finished
    assert report.kind == "broadcast_report"
    assert "Доставлено: 9" in report.text


async def test_over_the_limit_the_edit_waits_and_nothing_finishes() -> None:
    store = FakeMarketing(runs=[running(5)], tallies={7: Tally(sent=10)})
    editor = FakeEditor()
    progress = Progress(
        store=store, editor=editor, limiter=FakeLimiter(wait=0.3), texts=TEXTS, clock=FixedClock()
    )
    assert await progress.tick() == 0
    assert not editor.edits
    assert not store.finished


async def test_the_final_figures_wait_for_the_progress_message_itself() -> None:
    store = FakeMarketing(runs=[running(None, waits=True)], tallies={7: Tally(sent=10)})
    progress = Progress(
        store=store, editor=FakeEditor(), limiter=FakeLimiter(), texts=TEXTS, clock=FixedClock()
    )
    assert await progress.tick() == 0
    assert not store.finished
