"""Invariants of the customers' side: replies, bookings, their events, alerts and reminders."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from bench.chaos.checks import Check, Stores, stream_payloads
from bench.chaos.journal import BOOKED, Action, Booking
from sandbox.telegram import TelegramSandboxClient
from shared.db import tenant_schema
from shared.messages import BookingCreated, decode
from shared.subjects import STREAM_BOOKING, booking_event

ALERT = "Новая запись"


@dataclass(frozen=True)
class Confirmed:
    tenant_id: str
    bot: str
    owner_chat_id: int
    booking_id: int
    master_id: int
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    customer_chat_id: int | None
    phone: str
    offsets: tuple[int, ...]

    @property
    def name(self) -> str:
        return f"{self.tenant_id} booking {self.booking_id}"


async def confirmed_bookings(pool: asyncpg.Pool) -> list[Confirmed]:
    """Every confirmed booking of every tenant in the registry."""
    tenants = await pool.fetch(
        "SELECT tenant_id, owner_chat_id, bot_username FROM platform.tenants ORDER BY tenant_id"
    )
    found: list[Confirmed] = []
    for tenant in tenants:
        schema = tenant_schema(tenant["tenant_id"])
        if not await pool.fetchval("SELECT to_regnamespace($1) IS NOT NULL", schema):
            continue
        rows = await pool.fetch(
            "SELECT b.id, b.master_id, b.starts_at, b.ends_at, b.created_at, c.telegram_id,"
            f' c.phone, (SELECT reminder_offsets_min FROM "{schema}".business) AS offsets'
            f' FROM "{schema}".bookings b JOIN "{schema}".customers c ON c.id = b.customer_id'
            " WHERE b.status = 'confirmed' ORDER BY b.id"
        )
        found += [
            Confirmed(
                tenant_id=tenant["tenant_id"],
                bot=tenant["bot_username"],
                owner_chat_id=tenant["owner_chat_id"],
                booking_id=row["id"],
                master_id=row["master_id"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                created_at=row["created_at"],
                customer_chat_id=row["telegram_id"],
                phone=row["phone"],
                offsets=tuple(row["offsets"] or ()),
            )
            for row in rows
        ]
    return found


async def _answered_later(telegram: TelegramSandboxClient, action: Action) -> bool:
    try:
        await telegram.wait_for_message(
            action.bot, action.chat_id, action.seen_id, 0.2, after_version=action.seen_version
        )
    except TimeoutError:
        answers = await telegram.callback_answers(action.bot, action.chat_id)
        return any(answer.time >= action.at for answer in answers)
    return True


async def replies(s: Stores) -> Check:
    """Every action of a customer or a buyer got an answer in its chat, then or later."""
    check = Check("every customer action got its reply")
    for action in s.journal.actions:
        if action.error:  # the emulator refused the action: it never reached the product
            continue
        check.total += 1
        if not (action.answered or await _answered_later(s.telegram, action)):
            check.stuck(f"{action.bot} chat {action.chat_id}: {action.label!r} never answered")
    return check


async def _told_later(telegram: TelegramSandboxClient, booking: Booking) -> bool:
    """The chat shows «вы записаны» although the conversation stopped waiting before it came
    (a reply redelivered after a killed process's ack wait is late, not lost)."""
    view = await telegram.chat(booking.bot, booking.chat_id)
    return any(BOOKED in (message.text or "") for message in view.messages)


async def told_and_booked(s: Stores, bookings: list[Confirmed]) -> Check:
    """A customer told «вы записаны» (in time or later) has exactly one confirmed booking;
    every confirmed booking of a chaos customer was told to them (a booking nobody heard of
    is a lost reply)."""
    check = Check("customer told 'booked' <-> exactly one confirmed booking")
    per_customer = Counter((b.tenant_id, b.customer_chat_id) for b in bookings)
    customers = {(b.tenant_id, b.chat_id): b for b in s.journal.bookings}
    for (tenant_id, chat_id), journal in customers.items():
        seen = per_customer[tenant_id, chat_id]
        if journal.told_booked or (seen and await _told_later(s.telegram, journal)):
            check.count(seen, f"{tenant_id} customer {chat_id} told 'booked', bookings")
        elif seen:
            check.total += 1
            check.stuck(f"{tenant_id} customer {chat_id} has {seen} booking(s), never told")
    return check


def no_double_booking(bookings: list[Confirmed]) -> Check:
    """No confirmed booking overlaps an earlier one of the same master (a slot booked twice)."""
    check = Check("no slot booked twice")
    by_master: dict[tuple[str, int], list[Confirmed]] = {}
    for b in bookings:
        by_master.setdefault((b.tenant_id, b.master_id), []).append(b)
    for group in by_master.values():
        group.sort(key=lambda b: b.starts_at)
        check.count(1, group[0].name)
        latest = group[0]  # the booking reaching furthest so far
        for later in group[1:]:
            overlaps = later.starts_at < latest.ends_at
            check.count(2 if overlaps else 1, f"{later.name} overlaps {latest.name}")
            latest = later if later.ends_at > latest.ends_at else latest
    return check


async def created_events(s: Stores, bookings: list[Confirmed]) -> Check:
    check = Check("booking.created on BOOKING, exactly one per confirmed booking")
    payloads = await stream_payloads(s.js, STREAM_BOOKING.name, booking_event("created", "*"))
    events = Counter(
        (event.tenant_id, event.booking_id)
        for event in (decode(BookingCreated, payload) for payload in payloads)
    )
    for b in bookings:
        check.count(events[(b.tenant_id, b.booking_id)], b.name)
    return check


async def owner_alerts(s: Stores, bookings: list[Confirmed]) -> Check:
    """The owner's chat in the emulator holds exactly one «Новая запись» with the customer's
    phone (every chaos customer has a phone of their own)."""
    check = Check("owner alert delivered, exactly one per confirmed booking")
    alerts: dict[tuple[str, int], list[str]] = {}
    for b in bookings:
        key = (b.bot, b.owner_chat_id)
        if key not in alerts:
            view = await s.telegram.chat(*key)
            alerts[key] = [
                m.text or "" for m in view.messages if m.from_bot and ALERT in (m.text or "")
            ]
        check.count(sum(1 for text in alerts[key] if b.phone in text), b.name)
    return check


async def reminder_rows(s: Stores, bookings: list[Confirmed]) -> Check:
    """One live reminder row per offset whose moment was still ahead when the booking was made
    (keys `reminder:<tenant>:<booking>:<offset>:<start>`)."""
    check = Check("scheduled reminder row, exactly one per booking and offset")
    for b in bookings:
        if b.customer_chat_id is None:
            continue
        rows = await s.pool.fetch(
            "SELECT dedup_key FROM notifier.deliveries WHERE tenant_id = $1 AND ref = $2"
            " AND kind = 'reminder' AND status <> 'cancelled'",
            b.tenant_id,
            str(b.booking_id),
        )
        per_offset = Counter(str(row["dedup_key"]).split(":")[3] for row in rows)
        for offset in b.offsets:
            if b.starts_at - timedelta(minutes=offset) > b.created_at:
                check.count(per_offset[str(offset)], f"{b.name} -{offset} min")
    return check
