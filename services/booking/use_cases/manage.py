"""«Мои записи»: the customer's upcoming bookings, cancelling and moving them.

Only the customer's own confirmed bookings, and only up to the business's cut-offs before
the visit (`cancel_cutoff_min`, `reschedule_cutoff_min`). Each change writes its event in its
own transaction (the outbox). A repeat of a change already made (a double tap, a redelivered
update) is recognised and answered as done, with no second event: a cancel by the booking's
status, a move by the booking standing at the target time after a recorded move there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.entities import Booking, Customer
from services.booking.domain.errors import TAKEN, BookingNotActive, SlotTaken
from services.booking.use_cases.choice import Choice, load_inputs, pick_master
from services.booking.use_cases.errors import (
    BookingUnknown,
    ChoiceGone,
    SlotUnavailable,
    TooLate,
)
from services.booking.use_cases.events import (
    Audience,
    audience,
    record_cancelled,
    record_rescheduled,
)
from services.booking.use_cases.ports import BusinessSettings, Scope, TenantSession
from services.booking.use_cases.prepay.cancels import after_cancel
from services.booking.use_cases.prepay.holds import awaiting, refuse_move
from services.booking.use_cases.prepay.ports import Prepayment
from services.booking.use_cases.slotwait.freed import offer_freed_booking

MAX_BOOKING_ID = 2**63  # a bigint: anything else on a button is made up


@dataclass(frozen=True, slots=True)
class MyBooking:
    booking: Booking
    can_cancel: bool
    can_move: bool
    held: Prepayment | None = None  # still waiting for its prepayment (not movable)


@dataclass(frozen=True, slots=True)
class MyBookings:
    items: tuple[MyBooking, ...]
    business: BusinessSettings


@dataclass(frozen=True, slots=True)
class Changed:
    """A booking after a change (or as it would be), with the business to word the reply."""

    booking: Booking
    business: BusinessSettings
    old_starts_at: datetime | None = None
    prepayment: Prepayment | None = None  # after a cancel: `refunding` when money goes back


def before_cutoff(starts_at: datetime, now: datetime, cutoff_min: int) -> bool:
    """True while the visit is at least `cutoff_min` minutes away."""
    return starts_at - now >= timedelta(minutes=cutoff_min)


async def owned(
    session: TenantSession, telegram_id: int, booking_id: int, *, confirmed: bool = True
) -> tuple[Customer, Booking]:
    """The customer and their booking; `BookingUnknown` for anyone else's or a made-up id."""
    if not 0 < booking_id < MAX_BOOKING_ID:
        raise BookingUnknown(booking_id)
    customer = await session.customer(telegram_id)
    booking = await session.booking(booking_id) if customer is not None else None
    if customer is None or booking is None or booking.customer_id != customer.id:
        raise BookingUnknown(booking_id)
    if confirmed and booking.status != "confirmed":
        raise BookingNotActive(booking_id, booking.status)
    return customer, booking


async def my_bookings(scope: Scope, *, telegram_id: int) -> MyBookings:
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        business = await session.business()
        customer = await session.customer(telegram_id)
        upcoming = await session.upcoming(customer.id, now=now) if customer else []
        held = await session.awaited([b.id for b in upcoming])
    items = tuple(
        MyBooking(
            booking=b,
            can_cancel=b.id in held or before_cutoff(b.starts_at, now, business.cancel_cutoff_min),
            can_move=b.id not in held
            and before_cutoff(b.starts_at, now, business.reschedule_cutoff_min),
            held=held.get(b.id),
        )
        for b in upcoming
    )
    return MyBookings(items=items, business=business)


async def ask_cancel(scope: Scope, *, telegram_id: int, booking_id: int) -> Changed:
    """The booking the customer wants to cancel, if the rules still allow it."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        _, booking = await owned(session, telegram_id, booking_id)
        business = await session.business()
        held = await awaiting(session, booking_id)  # nothing paid: cancellable at any time
    if held is None and not before_cutoff(booking.starts_at, now, business.cancel_cutoff_min):
        raise TooLate("cancel", cutoff_min=business.cancel_cutoff_min, phone=business.phone)
    return Changed(booking=booking, business=business)


async def cancel(scope: Scope, *, telegram_id: int, booking_id: int) -> Changed:
    now = scope.clock.now()
    prepayment: Prepayment | None = None
    async with scope.store.transaction() as session:
        customer, booking = await owned(session, telegram_id, booking_id, confirmed=False)
        who = await audience(session)
        business = who.business
        if booking.status == "cancelled" and booking.cancelled_by == "customer":
            prepayment = await session.prepayment(booking_id)  # done before: say so again
        elif booking.status != "confirmed":
            raise BookingNotActive(booking_id, booking.status)
        elif await awaiting(session, booking_id) is None and not before_cutoff(
            booking.starts_at, now, business.cancel_cutoff_min
        ):
            raise TooLate("cancel", cutoff_min=business.cancel_cutoff_min, phone=business.phone)
        else:
            booking = await session.cancel_booking(
                booking_id, cancelled_by="customer", actor="customer", customer_id=customer.id
            )
            prepayment = await after_cancel(session, scope.tenant_id, booking_id, by="customer")
            if prepayment is not None and prepayment.status == "dropped":
                who = Audience(business=business, admin_chat_ids=())  # never announced
            await record_cancelled(session, scope.tenant_id, booking, customer, who)
            await offer_freed_booking(session, scope.tenant_id, booking, "cancel", now)
    return Changed(booking=booking, business=business, prepayment=prepayment)


async def move_target(scope: Scope, *, telegram_id: int, booking_id: int) -> Choice:
    """What the reschedule calendar is for, if the booking may still be moved."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        _, booking = await owned(session, telegram_id, booking_id)
        business = await session.business()
        await refuse_move(session, booking_id)
    _check_move_cutoff(booking, business, now)
    return Choice(service_id=booking.service_id, master_id=booking.master_id, booking_id=booking.id)


async def resolve_choice(
    scope: Scope, *, telegram_id: int, service_id: int, master_id: int, booking_id: int
) -> Choice:
    """The choice a calendar or time button stands for: a new booking's service and master
    (0 = any), or, with `booking_id`, the customer's own booking being moved."""
    if booking_id:
        return await move_target(scope, telegram_id=telegram_id, booking_id=booking_id)
    if service_id <= 0:
        raise ChoiceGone("service", service_id)
    return Choice(service_id=service_id, master_id=master_id or None)


def _check_move_cutoff(booking: Booking, business: BusinessSettings, now: datetime) -> None:
    if not before_cutoff(booking.starts_at, now, business.reschedule_cutoff_min):
        raise TooLate("reschedule", cutoff_min=business.reschedule_cutoff_min, phone=business.phone)


async def reschedule(
    scope: Scope, *, telegram_id: int, booking_id: int, starts_at: datetime, commit: bool
) -> Changed:
    """Check (and with `commit`, make) a move of the booking to `starts_at`, same master."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        customer, booking = await owned(session, telegram_id, booking_id)
        who = await audience(session)
        if commit and booking.starts_at == starts_at:
            # Already there: this move was made before (a redelivery, a double tap). Answer as
            # then, from the recorded move, without moving or announcing it again.
            moved_from = await session.moved_from(booking_id, starts_at)
            return Changed(
                booking=booking, business=who.business, old_starts_at=moved_from or starts_at
            )
        _check_move_cutoff(booking, who.business, now)
        await refuse_move(session, booking_id)
        choice = Choice(booking.service_id, booking.master_id, booking.id)
        day = starts_at.astimezone(ZoneInfo(who.business.timezone)).date()
        inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
        pick_master(inputs, choice, starts_at)
        if not commit:
            return Changed(booking=booking, business=who.business)
        old_starts_at = booking.starts_at
        try:
            moved = await session.reschedule_booking(
                booking_id, starts_at=starts_at, actor="customer", customer_id=customer.id
            )
        except SlotTaken as taken:
            raise SlotUnavailable(
                TAKEN,
                service_id=booking.service_id,
                master_id=booking.master_id,
                booking_id=booking.id,
                day=day,
            ) from taken
        await record_rescheduled(
            session, scope.tenant_id, moved, customer, who, old_starts_at=old_starts_at
        )
        await offer_freed_booking(session, scope.tenant_id, booking, "move", now)
    return Changed(booking=moved, business=who.business, old_starts_at=old_starts_at)
