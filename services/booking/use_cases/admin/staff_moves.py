"""Staff move a booking to another time (same master), with a notice to the customer.

Any confirmed booking the staff member may see (a master: only their own; anyone else's is
`Unknown`, so a master does not learn it exists). The new time comes from the same engine with
the booking left out of the busy time, and the exclusion constraint has the last word: a lost
race is a `Lost` with the day's fresh times. The move and its
`BookingRescheduled(moved_by="staff")` are one transaction, so notifier tells the customer
(if they have a chat with the bot) and moves the reminders. A repeated move to the same time
answers as done and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.availability import free_slots
from services.booking.domain.errors import BookingNotActive, SlotTaken
from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.bookings import actor_tag
from services.booking.use_cases.admin.desk_ports import DeskScope, DeskSession
from services.booking.use_cases.admin.desk_rules import (
    DAYS_AHEAD,
    audience,
    day_list,
    load_inputs,
    local_today,
    visible,
)
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.ports import BookingLine, Staff
from services.booking.use_cases.choice import Choice, pick_master
from services.booking.use_cases.errors import ChoiceGone, SlotUnavailable
from services.booking.use_cases.events import record_rescheduled
from services.booking.use_cases.ports import BusinessSettings
from services.booking.use_cases.slotwait.freed import offer_freed_booking


@dataclass(frozen=True, slots=True)
class MoveDays:
    line: BookingLine
    business: BusinessSettings
    days: tuple[tuple[date, bool], ...]


@dataclass(frozen=True, slots=True)
class MoveTimes:
    line: BookingLine
    business: BusinessSettings
    day: date
    times: tuple[datetime, ...]


@dataclass(frozen=True, slots=True)
class Moved:
    line: BookingLine
    business: BusinessSettings
    old_starts_at: datetime


@dataclass(frozen=True, slots=True)
class MoveLost:
    times: MoveTimes


def _refuse_unmovable(line: BookingLine) -> None:
    """Only a confirmed booking moves, and not while it waits for its prepayment (its move
    would be announced before its payment)."""
    if line.booking.status != "confirmed":
        raise BadInput(f"status_{line.booking.status}")
    if line.held_until is not None:
        raise BadInput("prepay_held")


async def _movable(session: DeskSession, actor: Staff, booking_id: int) -> BookingLine:
    line = await visible(session, actor, booking_id)
    _refuse_unmovable(line)
    return line


def _choice(line: BookingLine) -> Choice:
    b = line.booking
    return Choice(service_id=b.service_id, master_id=b.master_id, booking_id=b.id)


async def days(scope: DeskScope, actor: Staff, booking_id: int) -> MoveDays:
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        line = await _movable(session, actor, booking_id)
        business = await session.business()
        today = local_today(now, business.timezone)
        inputs = await load_inputs(
            session,
            _choice(line),
            first_day=today,
            last_day=today + timedelta(days=DAYS_AHEAD),
            now=now,
        )
    found = day_list(inputs, today, line.booking.master_id)
    return MoveDays(line=line, business=business, days=tuple(found))


async def _times(
    session: DeskSession, line: BookingLine, business: BusinessSettings, day: date, now: datetime
) -> MoveTimes:
    inputs = await load_inputs(session, _choice(line), first_day=day, last_day=day, now=now)
    slots = free_slots(inputs, day, line.booking.master_id)
    found = tuple(s.starts_at for s in slots if s.starts_at != line.booking.starts_at)
    return MoveTimes(line=line, business=business, day=day, times=found)


async def times(scope: DeskScope, actor: Staff, booking_id: int, day: date) -> MoveTimes:
    async with scope.store.transaction() as session:
        line = await _movable(session, actor, booking_id)
        return await _times(session, line, await session.business(), day, scope.clock.now())


async def move(
    scope: DeskScope, actor: Staff, booking_id: int, starts_at: datetime
) -> Moved | MoveLost:
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        line = await visible(session, actor, booking_id)
        who = await audience(session)
        booking = line.booking
        if booking.status == "confirmed" and booking.starts_at == starts_at:
            moved_from = await session.moved_from(booking_id, starts_at)
            if moved_from is not None:  # done before: a double tap or a redelivery
                return Moved(line=line, business=who.business, old_starts_at=moved_from)
        _refuse_unmovable(line)
        if booking.starts_at == starts_at:  # never offered: a move to where it already is
            raise BadInput("bad_button")
        day = starts_at.astimezone(ZoneInfo(who.business.timezone)).date()
        choice = _choice(line)
        try:
            inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
            pick_master(inputs, choice, starts_at)
            moved = await session.move_booking(
                booking_id, starts_at=starts_at, actor=actor_tag(actor)
            )
        except (SlotTaken, SlotUnavailable, ChoiceGone):
            return MoveLost(times=await _times(session, line, who.business, day, now))
        except BookingNotActive as gone:
            raise BadInput(f"status_{gone.status}") from gone
        await record_rescheduled(
            session,
            scope.tenant_id,
            moved,
            line.customer,
            who,
            old_starts_at=booking.starts_at,
            moved_by="staff",
        )
        await offer_freed_booking(session, scope.tenant_id, booking, "move", now)
        await audit.record(
            session,
            actor,
            "booking.move",
            f"booking:{booking_id}",
            before={"starts_at": booking.starts_at, "master_id": booking.master_id},
            after={"starts_at": moved.starts_at, "master_id": moved.master_id},
        )
    return Moved(
        line=BookingLine(booking=moved, customer=line.customer),
        business=who.business,
        old_starts_at=booking.starts_at,
    )
