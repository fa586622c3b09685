"""The day's bookings, a booking's card, and what staff do with one: cancel with a reason,
mark it completed or a no-show.

A master sees and touches only their own bookings. A cancel by staff records
`BookingCancelled(cancelled_by="staff")` in its transaction (the outbox), so notifier tells the
customer and drops the reminders; a repeated cancel (a double tap) records nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.errors import BookingNotActive
from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import master_filter
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.parsing import clean_text
from services.booking.use_cases.admin.ports import (
    AdminScope,
    AdminSession,
    BookingLine,
    Outcome,
    Staff,
)
from services.booking.use_cases.events import Audience, record_cancelled, record_no_show
from services.booking.use_cases.ports import BusinessSettings
from services.booking.use_cases.prepay.cancels import after_cancel
from services.booking.use_cases.slotwait.freed import offer_freed_booking

MAX_BOOKING_ID = 2**63 - 1
MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class DayView:
    day: date
    today: date
    lines: tuple[BookingLine, ...]
    business: BusinessSettings


@dataclass(frozen=True, slots=True)
class Card:
    line: BookingLine
    business: BusinessSettings
    day: date  # the booking's local date (for «back»)
    started: bool  # the visit has begun: it can be marked completed or a no-show


def actor_tag(actor: Staff) -> str:
    return f"staff:{actor.telegram_id}"


def local_day(business: BusinessSettings, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(business.timezone)).date()


async def day_view(scope: AdminScope, actor: Staff, day: date | None = None) -> DayView:
    """Bookings (all statuses) that start on a local date, `None` = today."""
    master_id = master_filter(actor)
    async with scope.store.transaction() as session:
        business = await session.business()
        zone = ZoneInfo(business.timezone)
        today = scope.clock.now().astimezone(zone).date()
        wanted = day or today
        lo = datetime.combine(wanted, time(), tzinfo=zone)
        hi = datetime.combine(wanted + timedelta(days=1), time(), tzinfo=zone)
        lines = await session.bookings_between(lo, hi, master_id=master_id)
    return DayView(day=wanted, today=today, lines=tuple(lines), business=business)


async def _line(session: AdminSession, actor: Staff, booking_id: int) -> BookingLine:
    """The booking if it exists and the actor may see it; `Unknown` otherwise (also for
    another master's booking: a master does not learn it exists)."""
    if not 0 < booking_id <= MAX_BOOKING_ID:
        raise Unknown("booking", booking_id)
    line = await session.booking_line(booking_id)
    mine = master_filter(actor)
    if line is None or (mine is not None and line.booking.master_id != mine):
        raise Unknown("booking", booking_id)
    return line


async def card(scope: AdminScope, actor: Staff, booking_id: int) -> Card:
    async with scope.store.transaction() as session:
        line = await _line(session, actor, booking_id)
        business = await session.business()
    return Card(
        line=line,
        business=business,
        day=local_day(business, line.booking.starts_at),
        started=line.booking.starts_at <= scope.clock.now(),
    )


def clean_reason(text: str) -> str:
    return clean_text(text, max_len=MAX_REASON)


async def cancel(
    scope: AdminScope, actor: Staff, booking_id: int, *, reason: str = "", told: bool = False
) -> Card:
    """Cancel a confirmed booking for the customer, its event in the same transaction.
    `told`: the caller tells the customer itself (a closure's notice), notifier does not."""
    async with scope.store.transaction() as session:
        line = await _line(session, actor, booking_id)
        booking = line.booking
        who = Audience(
            business=await session.business(), admin_chat_ids=await session.admin_chat_ids()
        )
        if booking.status == "cancelled" and booking.cancelled_by == "staff":
            pass  # done before: its event was recorded with it
        elif booking.status != "confirmed":
            raise BadInput(f"status_{booking.status}")
        else:
            try:
                booking = await session.cancel_booking(
                    booking_id, reason=reason, actor=actor_tag(actor)
                )
            except BookingNotActive as gone:
                raise BadInput(f"status_{gone.status}") from gone
            await after_cancel(session, scope.tenant_id, booking_id, by="staff")
            await record_cancelled(
                session,
                scope.tenant_id,
                booking,
                line.customer,
                who,
                cancelled_by="staff",
                customer_told=told,
            )
            now = scope.clock.now()
            await offer_freed_booking(session, scope.tenant_id, booking, "cancel", now)
            await audit.record(
                session,
                actor,
                "booking.cancel",
                f"booking:{booking_id}",
                before={"status": "confirmed"},
                after={"status": "cancelled", "reason": reason},
            )
    return Card(
        line=BookingLine(booking=booking, customer=line.customer),
        business=who.business,
        day=local_day(who.business, booking.starts_at),
        started=booking.starts_at <= scope.clock.now(),
    )


async def mark(scope: AdminScope, actor: Staff, booking_id: int, outcome: Outcome) -> Card:
    """Completed or a no-show: only a confirmed booking whose time has come."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        line = await _line(session, actor, booking_id)
        if line.booking.status != "confirmed":
            raise BadInput(f"status_{line.booking.status}")
        if line.booking.starts_at > now:
            raise BadInput("not_started")
        await session.set_outcome(booking_id, outcome, actor=actor_tag(actor))
        await audit.record(
            session,
            actor,
            "booking.outcome",
            f"booking:{booking_id}",
            before={"status": "confirmed"},
            after={"status": outcome},
        )
        if outcome == "no_show":
            await record_no_show(session, scope.tenant_id, line.booking)
        line = await _line(session, actor, booking_id)
        business = await session.business()
    return Card(
        line=line, business=business, day=local_day(business, line.booking.starts_at), started=True
    )
