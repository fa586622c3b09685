"""One tap on «Записаться на HH:MM» under a waitlist offer: the button is untrusted, so
everything is checked again in the transaction that books: the entry is this customer's,
open and unexpired; the master is the entry's (or it was for any); the time is on one of the
entry's days, still fits the schedule and the engine's rules (service and master offered,
notice, horizon, grid); the customer is not blocked and under the bookings limit. The
database's exclusion constraint decides between customers who tap at once: the winner's entry
is fulfilled with the booking, the others get `OfferTaken` and keep their entries.

A customer without a phone yet gets `NeedsContact`: the bot continues as after a time
pressed in the calendar (contact, summary, «Подтвердить»). A service that asks for prepayment
holds the booking as the calendar's «Подтвердить» does (announced once paid); if the hold runs
out unpaid, `prepay.outcomes` reopens the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.booking.domain.entities import Booking
from services.booking.domain.errors import TAKEN, SlotTaken
from services.booking.use_cases.blocked import refuse_blocked
from services.booking.use_cases.booking import Confirmed
from services.booking.use_cases.choice import Choice, load_inputs, pick_master
from services.booking.use_cases.customers import has_contact
from services.booking.use_cases.errors import ChoiceGone, LimitReached, SlotUnavailable
from services.booking.use_cases.events import audience, record_created
from services.booking.use_cases.prepay.hold import start_hold
from services.booking.use_cases.slotwait.errors import OfferGone, OfferTaken
from services.booking.use_cases.slotwait.ports import WaitEntry, WaitScope, WaitSession
from shared.errors import NotFound


@dataclass(frozen=True, slots=True)
class NeedsContact:
    service_id: int
    master_id: int
    starts_at: datetime


def _check_offer(entry: WaitEntry, master_id: int, local_day: date, now: datetime) -> None:
    """The offer's button against its entry: open, unexpired, its master, one of its days."""
    fits = (
        not entry.fulfilled
        and entry.expires_at > now
        and (entry.master_id is None or entry.master_id == master_id)
        and entry.first_day <= local_day <= entry.last_day
    )
    if not fits:
        raise OfferGone(entry.id)


async def _book(
    session: WaitSession,
    entry: WaitEntry,
    customer_id: int,
    master_id: int,
    starts_at: datetime,
    now: datetime,
) -> Booking:
    """The engine's check (service, master, rules, free) and the insert under the constraint."""
    choice = Choice(service_id=entry.service_id, master_id=master_id)
    day = starts_at.astimezone(ZoneInfo((await session.business()).timezone)).date()
    try:
        inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
        pick_master(inputs, choice, starts_at)
        return await session.create_booking(
            customer_id=customer_id,
            service_id=entry.service_id,
            master_id=master_id,
            starts_at=starts_at,
            actor="customer",
        )
    except SlotUnavailable as refused:
        if refused.reason == TAKEN:
            raise OfferTaken(entry.id) from refused
        raise OfferGone(entry.id) from refused
    except SlotTaken as taken:
        raise OfferTaken(entry.id) from taken
    except (ChoiceGone, NotFound) as gone:
        raise OfferGone(entry.id) from gone


async def take(
    scope: WaitScope,
    *,
    telegram_id: int,
    entry_id: int,
    master_id: int,
    starts_at: datetime,
    return_url: str = "https://t.me",
) -> Confirmed | NeedsContact:
    """`return_url`: where a payment page sends the customer back (their chat with the bot)."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        customer = await session.customer(telegram_id)
        entry = await session.slotwait_entry(entry_id) if 0 < entry_id < 2**63 else None
        if customer is None or entry is None or entry.customer_id != customer.id:
            raise OfferGone(entry_id)
        who = await audience(session)
        if entry.booking_id is not None:
            done = await session.booking(entry.booking_id)
            if done is not None and done.status == "confirmed" and done.starts_at == starts_at:
                # this very offer booked it before (a double tap, a redelivered update)
                return Confirmed(
                    booking=done,
                    customer=customer,
                    business=who.business,
                    prepayment=await session.prepayment(done.id),
                )
        _check_offer(
            entry, master_id, starts_at.astimezone(ZoneInfo(who.business.timezone)).date(), now
        )
        if not has_contact(customer):
            return NeedsContact(entry.service_id, master_id, starts_at)
        await session.lock_customer(customer.id)
        await refuse_blocked(session, customer.id, phone=who.business.phone)
        limit = who.business.max_active_bookings
        if await session.count_active(customer.id, now=now) >= limit:
            raise LimitReached(limit)
        booking = await _book(session, entry, customer.id, master_id, starts_at, now)
        if not await session.slotwait_fulfil(entry_id, booking.id, now):
            raise OfferGone(entry_id)  # fulfilled meanwhile by another tap of theirs
        terms = await session.prepay_terms(entry.service_id)
        prepayment = None
        if terms is None:
            await record_created(session, scope.tenant_id, booking, customer, who)
        else:  # announced once paid
            prepayment = await start_hold(
                session, scope.tenant_id, booking, customer, terms, now=now, return_url=return_url
            )
    return Confirmed(
        booking=booking, customer=customer, business=who.business, prepayment=prepayment
    )
