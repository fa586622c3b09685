"""Holding a new booking for its prepayment (in the transaction that made the booking)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from services.booking.domain.entities import Booking, Customer
from services.booking.use_cases.ports import EventOutbox
from services.booking.use_cases.prepay.ports import Prepayment, PrepayPort, PrepayTerms
from shared.messages import PrepayHold
from shared.subjects import booking_prepay


class HoldSession(PrepayPort, EventOutbox, Protocol):
    """The customer's session as holding needs it."""


async def start_hold(
    session: HoldSession,
    tenant_id: str,
    booking: Booking,
    customer: Customer,
    terms: PrepayTerms,
    *,
    now: datetime,
    return_url: str,
) -> Prepayment:
    """The booking waits `hold_min` minutes for its payment; billing is asked to create it."""
    hold_until = now + timedelta(minutes=terms.hold_min)
    await session.hold_for_payment(
        booking.id, amount_kopecks=terms.amount_kopecks, hold_until=hold_until
    )
    command = PrepayHold(
        tenant_id=tenant_id,
        booking_id=booking.id,
        amount_kopecks=terms.amount_kopecks,
        description=f"{booking.service_name} #{booking.id}"[:128],
        shop_id=terms.shop_id,
        secret_sealed=terms.secret_sealed,
        hold_until=hold_until,
        return_url=return_url,
        customer_chat_id=customer.telegram_id or 0,
    )
    await session.record_event(
        booking_prepay(tenant_id), command, msg_id=f"prepay:{tenant_id}:{booking.id}:hold"
    )
    return Prepayment(
        booking_id=booking.id,
        amount_kopecks=terms.amount_kopecks,
        status="awaiting",
        hold_until=hold_until,
        payment_id=None,
        confirmation_url=None,
    )
