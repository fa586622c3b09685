"""Broadcasts: the owner's message to a chosen list of customers, at the flood limits.

`booking.broadcast` (the recipients chosen by booking, opted-out and blocked customers left
out) becomes one delivery per customer (`ref` = `bcast:<id>`) plus the progress message to the
owner, due first, with «Остановить»; the dispatcher sends them like everything else, so the bot
stays under Telegram's limits. One broadcast runs at a time per business: another one asked for
meanwhile is refused with a notice to the owner. `booking.bcaststop` cancels what has not gone.

`Progress.run` edits the progress message in place (sent / left / blocked) at most every
`interval`, each edit through the rate limiter; once nothing is left it shows the final figures,
removes the button and adds the final report (a new message). Several replicas may run it: an
edit twice is harmless and `finish` happens once. It looks at Postgres every `poll` only while a
broadcast runs; idle, it waits for `wake` (the replica that took `booking.broadcast` or
`booking.bcaststop` calls it) or, as a safety net for a replica that took the event and died,
`idle_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from services.notifier.ports import (
    Blocked,
    Editor,
    Inactive,
    Markup,
    NewDelivery,
    RateLimiter,
    Rejected,
    Sent,
)
from services.notifier.use_cases.marketing_ports import (
    BROADCAST_KIND,
    PROGRESS_KIND,
    Broadcast,
    MarketingStore,
    Running,
    Tally,
    broadcast_ref,
)
from services.notifier.use_cases.texts import Catalog, Texts
from shared.callbacks import BroadcastStop, BulkBook, BulkOptOut
from shared.clock import Clock
from shared.messages import (
    BroadcastRequested,
    BroadcastStopped,
    BulkOptOutChanged,
    CustomerChatBack,
)

log = logging.getLogger(__name__)


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def bulk_markup(texts: Catalog, *, book: BulkBook | None) -> Markup:
    """A bulk message's buttons: «Записаться» when asked for, «Отписаться» always."""
    rows = []
    if book is not None:
        rows.append([_button(texts.text("broadcast.button_book"), book.pack())])
    rows.append([_button(texts.text("broadcast.button_optout"), BulkOptOut(on=0).pack())])
    return {"inline_keyboard": rows}


def _stop_markup(texts: Catalog, broadcast_id: int) -> Markup:
    data = BroadcastStop(b=broadcast_id).pack()
    return {"inline_keyboard": [[_button(texts.text("broadcast.button_stop"), data)]]}


class Broadcasts:
    """The event side: broadcasts asked for and stopped, opt-outs."""

    def __init__(
        self,
        *,
        store: MarketingStore,
        texts: Texts,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
        started: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._texts = texts
        self._clock = clock
        self._wake = wake
        self._started = started  # the progress loop: a broadcast runs (or stops) now

    async def on_requested(self, event: BroadcastRequested) -> str:
        texts = self._texts(event.locale)
        now = self._clock.now()
        gone = await self._store.opted_out(event.tenant_id, event.recipients)
        chats = [chat for chat in dict.fromkeys(event.recipients) if chat and chat not in gone]
        ref = broadcast_ref(event.broadcast_id)
        markup = bulk_markup(texts, book=BulkBook() if event.book_button else None)
        key = f"bcast:{event.tenant_id}:{event.broadcast_id}"

        def row(
            chat_id: int,
            kind: str,
            text: str,
            *,
            due_at: datetime = now,
            reply_markup: Markup | None = None,
            photo: str | None = None,
        ) -> NewDelivery:
            return NewDelivery(
                dedup_key=f"{key}:{kind}:{chat_id}",
                tenant_id=event.tenant_id,
                via="tenant",
                chat_id=chat_id,
                kind=kind,
                text=text,
                due_at=due_at,
                reply_markup=reply_markup,
                ref=ref,
                photo=photo,
            )

        owner = event.owner_chat_id
        progress = row(
            owner,
            PROGRESS_KIND,
            progress_text(texts, Tally(left=len(chats)), len(chats)),
            due_at=now - timedelta(seconds=1),  # before the broadcast's own messages
            reply_markup=_stop_markup(texts, event.broadcast_id),
        )
        rows = [progress] + [
            row(chat, BROADCAST_KIND, event.text, reply_markup=markup, photo=event.photo or None)
            for chat in chats
        ]
        refused = row(owner, "broadcast_busy", texts.text("broadcast.busy"))
        broadcast = Broadcast(
            tenant_id=event.tenant_id,
            broadcast_id=event.broadcast_id,
            owner_chat_id=owner,
            locale=texts.code,
            total=len(chats),
        )
        outcome = await self._store.start(broadcast, rows, refused)
        if outcome != "again":
            self._wake()
            self._started()
        log.info("broadcast %s of %s: %s", event.broadcast_id, event.tenant_id, outcome)
        return outcome

    async def on_stopped(self, event: BroadcastStopped) -> int:
        cancelled = await self._store.stop(event.tenant_id, event.broadcast_id)
        self._started()  # the final figures need not wait for the safety poll
        return cancelled

    async def on_chat_back(self, event: CustomerChatBack) -> bool:
        return await self._store.chat_back(event.tenant_id, event.chat_id)

    async def on_opt_out(self, event: BulkOptOutChanged) -> int:
        return await self._store.set_opted_out(
            event.tenant_id, event.chat_id, opted_out=event.opted_out
        )


def progress_text(texts: Catalog, tally: Tally, total: int) -> str:
    done = total - tally.left
    percent = 100 if total == 0 else done * 100 // total
    return texts.text(
        "broadcast.progress",
        percent=percent,
        sent=tally.sent,
        total=total,
        left=tally.left,
        blocked=tally.blocked,
    )


def final_text(texts: Catalog, tally: Tally, total: int, *, stopped: bool) -> str:
    key = "broadcast.stopped" if stopped and tally.cancelled else "broadcast.done"
    return texts.text(
        key,
        sent=tally.sent,
        total=total,
        blocked=tally.blocked,
        failed=tally.failed,
        cancelled=tally.cancelled,
    )


class Progress:
    """Edits each running broadcast's progress message; finishes broadcasts with a report."""

    def __init__(
        self,
        *,
        store: MarketingStore,
        editor: Editor,
        limiter: RateLimiter,
        texts: Texts,
        clock: Clock,
        interval_seconds: float = 2.0,
        poll_seconds: float = 0.5,
        idle_seconds: float = 30.0,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._editor = editor
        self._limiter = limiter
        self._texts = texts
        self._clock = clock
        self._interval = timedelta(seconds=interval_seconds)
        self._poll = poll_seconds
        self._idle = idle_seconds
        self._wake = wake
        self._wakeup = asyncio.Event()
        self.looks = 0  # how many times the loop has asked Postgres for running broadcasts

    def wake(self) -> None:
        """A broadcast was started or stopped: look now instead of at the safety poll."""
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            self._wakeup.clear()
            busy = True  # after a failed look, look again soon
            try:
                found, finished = await self._look()
                busy = found > finished
            except Exception:  # the loop survives a bad tick; the next one looks again
                log.exception("broadcast progress tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._poll if busy else self._idle)

    async def tick(self) -> int:
        """One look at every running broadcast; how many finished."""
        _, finished = await self._look()
        return finished

    async def _look(self) -> tuple[int, int]:
        """How many broadcasts ran at this look, and how many of them finished."""
        self.looks += 1
        found = await self._store.running()
        finished = 0
        for running in found:
            finished += await self._one(running)
        return len(found), finished

    async def _one(self, running: Running) -> int:
        b = running.broadcast
        texts = self._texts(b.locale)
        tally = await self._store.tally(b.tenant_id, b.broadcast_id)
        now = self._clock.now()
        if tally.left:
            text = progress_text(texts, tally, b.total)
            due = running.shown_at is None or now - running.shown_at >= self._interval
            if running.progress_message_id and text != running.shown and due:
                markup = _stop_markup(texts, b.broadcast_id)
                if await self._edit(running, text, markup):
                    await self._store.shown(b.tenant_id, b.broadcast_id, text, now)
            return 0
        if running.progress_waits:
            return 0  # the final figures replace the progress message, once it is there
        text = final_text(texts, tally, b.total, stopped=running.stopped)
        shown = not running.progress_message_id or text == running.shown
        if not shown and not await self._edit(running, text, None):
            return 0  # over the limit or Telegram away: the next tick tries again
        report = NewDelivery(
            dedup_key=f"bcast:{b.tenant_id}:{b.broadcast_id}:report",
            tenant_id=b.tenant_id,
            via="tenant",
            chat_id=b.owner_chat_id,
            kind="broadcast_report",
            text=texts.text(
                "broadcast.report",
                sent=tally.sent,
                total=b.total,
                blocked=tally.blocked,
                failed=tally.failed,
                cancelled=tally.cancelled,
            ),
            due_at=now,
            ref=broadcast_ref(b.broadcast_id),
        )
        done = await self._store.finish(b.tenant_id, b.broadcast_id, text, report)
        if done:
            self._wake()
        return int(done)

    async def _edit(self, running: Running, text: str, markup: Markup | None) -> bool:
        """One edit of the progress message under the flood limits; False: not now."""
        b = running.broadcast
        assert running.progress_message_id is not None  # the callers check
        grant = await self._limiter.acquire(b.tenant_id, "tenant", b.owner_chat_id)
        if grant.wait > 0:
            return False
        try:
            result = await self._editor.edit(
                b.tenant_id, b.owner_chat_id, running.progress_message_id, text, markup
            )
        finally:
            with contextlib.suppress(Exception):
                await self._limiter.settle(b.tenant_id, "tenant", b.owner_chat_id, grant.ticket)
        if not isinstance(result, Sent):
            log.info("broadcast %s: progress not edited: %s", b.broadcast_id, result)
        return isinstance(result, Sent) or _settled(result)


def _settled(result: object) -> bool:
    """An edit Telegram refused for good (the message is gone, or shows this text already)."""
    return isinstance(result, Rejected | Blocked | Inactive)
