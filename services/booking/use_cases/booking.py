"""Confirming a new booking: every rule re-checked in the transaction that inserts it.

The limit of active bookings (with the customer's row locked, so two confirms cannot both
pass it), the service and master, and the time against a fresh read of the schedule; the
database's exclusion constraint has the last word (`SlotTaken` -> `SlotUnavailable("taken")`).
The event is written in the same transaction (the outbox). A confirm that arrives again for a
booking that already exists (a double tap, a redelivered update) returns that booking and
records nothing: its event was committed with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from services.booking.domain.entities import Booking, Customer
from services.booking.domain.errors import TAKEN, SlotTaken
from services.booking.use_cases.blocked import refuse_blocked
from services.booking.use_cases.choice import Choice, load_inputs, pick_master
from services.booking.use_cases.custom_texts import Found
from services.booking.use_cases.customers import has_contact
from services.booking.use_cases.errors import (
    ChoiceGone,
    LimitReached,
    SlotUnavailable,
    StaleChoice,
)
from services.booking.use_cases.events import audience, record_created
from services.booking.use_cases.ports import BusinessSettings, Scope
from services.booking.use_cases.prepay.hold import start_hold
from services.booking.use_cases.prepay.ports import Prepayment
from shared.errors import NotFound


@dataclass(frozen=True, slots=True)
class Held:
    """The choice the conversation keeps between the summary and «Подтвердить»."""

    service_id: int
    master_id: int | None  # as chosen: None = any master
    shown_master_id: int  # the master the summary named
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class Confirmed:
    booking: Booking
    customer: Customer
    business: BusinessSettings
    texts: Found = field(default_factory=dict)  # the owner's own confirmation, every language
    prepayment: Prepayment | None = None  # held until paid: the link follows from billing


async def confirm_booking(
    scope: Scope,
    *,
    telegram_id: int,
    service_id: int,
    starts_at: datetime,
    held: Held | None,
    return_url: str = "https://t.me",
) -> Confirmed:
    """`return_url`: where the payment page sends the customer back (their chat with the bot)."""
    now = scope.clock.now()
    prepayment: Prepayment | None = None
    async with scope.store.transaction() as session:
        customer = await session.customer(telegram_id)
        if customer is None or not has_contact(customer):
            raise StaleChoice(service_id=service_id, master_id=0, day=None)
        await session.lock_customer(customer.id)
        who = await audience(session)
        await refuse_blocked(session, customer.id, phone=who.business.phone)
        zone = ZoneInfo(who.business.timezone)
        day = starts_at.astimezone(zone).date()
        existing = next(
            (
                b
                for b in await session.upcoming(customer.id, now=now)
                if b.service_id == service_id and b.starts_at == starts_at
            ),
            None,
        )
        if existing is not None:
            booking = existing
            prepayment = await session.prepayment(booking.id)
        else:
            if held is None or (held.service_id, held.starts_at) != (service_id, starts_at):
                raise StaleChoice(service_id=service_id, master_id=0, day=day)
            limit = who.business.max_active_bookings
            if await session.count_active(customer.id, now=now) >= limit:
                raise LimitReached(limit)
            choice = Choice(service_id=service_id, master_id=held.master_id)
            inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
            master_id = pick_master(inputs, choice, starts_at, preferred=held.shown_master_id)
            try:
                booking = await session.create_booking(
                    customer_id=customer.id,
                    service_id=service_id,
                    master_id=master_id,
                    starts_at=starts_at,
                    actor="customer",
                )
            except SlotTaken as taken:
                raise SlotUnavailable(
                    TAKEN,
                    service_id=service_id,
                    master_id=held.master_id or 0,
                    booking_id=0,
                    day=day,
                ) from taken
            except NotFound as gone:
                raise ChoiceGone("master", master_id) from gone
            await session.slotwait_fulfil_matching(  # a waitlist offer booked via contact
                customer.id, booking.id, service_id, master_id, day, now
            )
            terms = await session.prepay_terms(service_id)
            if terms is None:
                await record_created(session, scope.tenant_id, booking, customer, who)
            else:  # announced once paid
                prepayment = await start_hold(
                    session,
                    scope.tenant_id,
                    booking,
                    customer,
                    terms,
                    now=now,
                    return_url=return_url,
                )
    return Confirmed(
        booking=booking,
        customer=customer,
        business=who.business,
        texts=who.texts,
        prepayment=prepayment,
    )
