"""What billing tells booking about a prepayment (`payment.prepay.<t>`), each in one tenant
transaction, and what the customer is to be told after it commits.

Each answer moves the prepayment only from the state it expects, so a repeated event changes
nothing and tells nobody twice: the link is kept once; paid confirms an awaiting hold (then
`booking.created`: reminders, the owner's alert) or, when the hold already ran out or was
cancelled, asks for a refund at once; expired cancels an awaiting hold (`booking.cancelled`
by the system: notifier tells the customer, the time is free and offered to the waitlist) and
reopens the waitlist entry the held booking had fulfilled; refunded is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.booking.domain.entities import Booking, Customer
from services.booking.domain.errors import BookingNotActive
from services.booking.use_cases.events import Audience, audience, record_cancelled, record_created
from services.booking.use_cases.ports import Scope, TenantSession
from services.booking.use_cases.prepay.cancels import ask_refund
from services.booking.use_cases.slotwait.freed import offer_freed_booking
from shared.messages import (
    PrepayExpired,
    PrepayLinkReady,
    PrepayOutcome,
    PrepayPaid,
    PrepayRefunded,
)

NoticeKind = Literal["link", "paid", "late", "refunded"]


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the customer once the change committed."""

    kind: NoticeKind
    chat_id: int
    language_code: str
    booking: Booking
    timezone: str
    amount_kopecks: int
    url: str = ""


async def handle(scope: Scope, event: PrepayOutcome, *, expired_reason: str) -> Notice | None:
    async with scope.store.transaction() as session:
        booking = await session.booking(event.booking_id)
        customer = await session.customer_by_id(booking.customer_id) if booking else None
        if booking is None or customer is None:
            return None
        who = await audience(session)
        if isinstance(event, PrepayLinkReady):
            return await _link(session, event, booking, customer, who)
        if isinstance(event, PrepayPaid):
            return await _paid(session, scope, event, booking, customer, who)
        if isinstance(event, PrepayExpired):
            if await _expired(session, scope.tenant_id, booking, customer, who, expired_reason):
                now = scope.clock.now()
                await offer_freed_booking(session, scope.tenant_id, booking, "expired", now)
                # after the offer: the customer waits again, but is not offered the time they
                # just let go
                await session.slotwait_reopen(booking.id, now)
            return None
        return await _refunded(session, scope, event, booking, customer, who)


async def _link(
    session: TenantSession,
    event: PrepayLinkReady,
    booking: Booking,
    customer: Customer,
    who: Audience,
) -> Notice | None:
    before = await session.prepayment(booking.id)
    if before is None or before.status != "awaiting" or before.payment_id is not None:
        return None  # told before, or no longer waiting
    await session.set_prepayment(
        booking.id,
        "awaiting",
        expect=("awaiting",),
        payment_id=event.payment_id,
        url=event.confirmation_url,
    )
    if not event.confirmation_url:
        return None
    url = event.confirmation_url
    return _notice("link", customer, booking, who, event.amount_kopecks, url)


async def _refunded(
    session: TenantSession,
    scope: Scope,
    event: PrepayRefunded,
    booking: Booking,
    customer: Customer,
    who: Audience,
) -> Notice | None:
    done = await session.set_prepayment(
        booking.id,
        "refunded",
        expect=("refunding", "paid"),
        at=scope.clock.now(),
        refund_id=event.refund_id,
    )
    return _notice("refunded", customer, booking, who, event.amount_kopecks) if done else None


async def _paid(
    session: TenantSession,
    scope: Scope,
    event: PrepayPaid,
    booking: Booking,
    customer: Customer,
    who: Audience,
) -> Notice | None:
    now, tenant_id = scope.clock.now(), scope.tenant_id
    if await session.set_prepayment(booking.id, "paid", expect=("awaiting",), at=now):
        await record_created(session, tenant_id, booking, customer, who)
        return _notice("paid", customer, booking, who, event.amount_kopecks)
    if await session.set_prepayment(booking.id, "refunding", expect=("expired", "dropped")):
        await ask_refund(session, tenant_id, booking.id, "late")
        return _notice("late", customer, booking, who, event.amount_kopecks)
    return None


async def _expired(
    session: TenantSession,
    tenant_id: str,
    booking: Booking,
    customer: Customer,
    who: Audience,
    reason: str,
) -> bool:
    """Whether the hold was released now (its time is free for the waitlist)."""
    if not await session.set_prepayment(booking.id, "expired", expect=("awaiting",)):
        return False
    try:
        cancelled = await session.cancel_held(booking.id, reason=reason)
    except BookingNotActive:
        return False
    quiet = Audience(business=who.business, admin_chat_ids=())  # staff never heard of it
    await record_cancelled(session, tenant_id, cancelled, customer, quiet, cancelled_by="system")
    return True


def _notice(
    kind: NoticeKind,
    customer: Customer,
    booking: Booking,
    who: Audience,
    amount: int,
    url: str = "",
) -> Notice | None:
    if not customer.telegram_id:
        return None
    return Notice(
        kind=kind,
        chat_id=customer.telegram_id,
        language_code=customer.language_code,
        booking=booking,
        timezone=who.business.timezone,
        amount_kopecks=amount,
        url=url,
    )
