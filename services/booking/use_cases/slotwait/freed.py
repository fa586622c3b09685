"""Offering freed time to the waitlist, in the transaction of the change that freed it.

Called after a cancel, a move away, a block removed or shortened and a closure lifted, with
the master (None = every master: a business-wide closure) and the freed instants. For each
open entry that matches (its service, its master or any, its days), the engine computes the
entry's free starts that overlap the freed range (so only time this change made possible),
the first `TIMES` of them. One `SlotFreed` event carries every offer; notifier sends them.
Nothing matches (the usual case): one indexed query and nothing written.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.availability import free_slots
from services.booking.domain.entities import Booking
from services.booking.domain.model import AvailabilityInputs
from services.booking.use_cases.slotwait.freed_port import FreedPort, Waiter
from shared.errors import NotFound
from shared.messages import SlotFreed, SlotOffer
from shared.subjects import booking_event

TIMES = 3  # buttons per offer
MAX_DAYS = 14  # a freed range longer than this is offered on its first days only
MAX_OFFERS = 50  # customers per freed range, oldest entries first


def _days(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> list[date]:
    first = starts_at.astimezone(zone).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    count = min((last - first).days + 1, MAX_DAYS)
    return [first + timedelta(days=n) for n in range(max(count, 0))]


def _times(
    inputs: AvailabilityInputs,
    day: date,
    master_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
) -> list[tuple[int, datetime]]:
    """Free starts this change made possible: those inside the freed range first (the freed
    time itself), else those that overlap it."""
    length = timedelta(minutes=inputs.service.duration_min)
    overlapping = [
        (slot.master_id, slot.starts_at)
        for slot in free_slots(inputs, day, master_id)
        if slot.starts_at < ends_at and slot.starts_at + length > starts_at
    ]
    inside = [(m, t) for m, t in overlapping if t >= starts_at]
    return inside or overlapping


async def offer_freed(
    session: FreedPort,
    tenant_id: str,
    *,
    master_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    cause: str,
) -> int:
    """Record the offers of freed time; how many customers will get one."""
    return await offer_ranges(
        session, tenant_id, master_id=master_id, ranges=[(starts_at, ends_at)], now=now, cause=cause
    )


async def offer_ranges(
    session: FreedPort,
    tenant_id: str,
    *,
    master_id: int | None,
    ranges: list[tuple[datetime, datetime]],
    now: datetime,
    cause: str,
) -> int:
    """Offer time freed or opened in several ranges (a schedule that grew on many dates) as
    one event: each waiter gets at most one offer, from the earliest range that has times."""
    ranges = sorted((max(lo, now), hi) for lo, hi in ranges if hi > now)
    if not ranges:
        return 0
    timezone, locale = await session.slotwait_zone()
    zone = ZoneInfo(timezone)
    segments = [(day, lo, hi) for lo, hi in ranges for day in _days(lo, hi, zone)]
    if not segments:
        return 0
    first = min(day for day, _, _ in segments)
    last = max(day for day, _, _ in segments)
    waiters = await session.slotwait_waiters(master_id, first, last, now)
    if not waiters:
        return 0
    cache: dict[tuple[int, int | None, date], AvailabilityInputs | None] = {}
    offers: list[SlotOffer] = []
    names: dict[int, str] | None = None
    for waiter in waiters[:MAX_OFFERS]:
        found = await _found(session, waiter, master_id, segments, now, cache)
        if not found:
            continue
        if names is None:
            names = await session.slotwait_master_names()
        slot_master = found[0][0]
        offers.append(
            SlotOffer(
                entry_id=waiter.entry_id,
                chat_id=waiter.chat_id,
                locale=waiter.locale,
                service_name=waiter.service_name,
                master_id=slot_master,
                master_name=names.get(slot_master, ""),
                times=tuple(t for m, t in found if m == slot_master)[:TIMES],
            )
        )
    if not offers:
        return 0
    event = SlotFreed(
        tenant_id=tenant_id, cause=cause, timezone=timezone, locale=locale, offers=tuple(offers)
    )
    await session.record_event(
        booking_event("slotfreed", tenant_id), event, msg_id=f"booking:{tenant_id}:wl:{cause}"
    )
    return len(offers)


async def _found(
    session: FreedPort,
    waiter: Waiter,
    master_id: int | None,
    segments: list[tuple[date, datetime, datetime]],
    now: datetime,
    cache: dict[tuple[int, int | None, date], AvailabilityInputs | None],
) -> list[tuple[int, datetime]]:
    """The waiter's free starts in the freed ranges, on the first matching day that has any."""
    who = master_id if master_id is not None else waiter.master_id
    for day, starts_at, ends_at in segments:
        if not waiter.first_day <= day <= waiter.last_day:
            continue
        key = (waiter.service_id, who, day)
        if key not in cache:
            try:
                cache[key] = await session.slotwait_inputs(waiter.service_id, who, day, now)
            except NotFound:
                cache[key] = None
        inputs = cache[key]
        if inputs is None:
            continue
        found = _times(inputs, day, who, starts_at, ends_at)
        if found:
            return found
    return []


def cause(kind: str, key: int, now: datetime) -> str:
    """`cancel:42:<ms>`: the change and its moment, the same in a redelivered event."""
    return f"{kind}:{key}:{int(now.timestamp() * 1000)}"


async def offer_freed_booking(
    session: FreedPort, tenant_id: str, booking: Booking, kind: str, now: datetime
) -> int:
    """Offer the time a booking held (it was just cancelled or moved away)."""
    return await offer_freed(
        session,
        tenant_id,
        master_id=booking.master_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        now=now,
        cause=cause(kind, booking.id, now),
    )
