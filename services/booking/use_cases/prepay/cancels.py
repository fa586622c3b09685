"""What a cancel does to a booking's prepayment (in the cancel's own transaction).

Paid: billing is asked to refund it (the customer's cancel inside the free-cancel window, or
any cancel by staff: the business called the visit off). Still awaiting: the hold is dropped
(a payment that still arrives is refunded as late). Customers cannot cancel online inside the
window, so a paid booking they miss is the business's to settle (the deposit is kept)."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from services.booking.use_cases.ports import EventOutbox
from services.booking.use_cases.prepay.ports import Prepayment, PrepayPort
from shared.messages import PrepayRefund
from shared.subjects import booking_prepay


class CancelSession(PrepayPort, EventOutbox, Protocol):
    """A session that cancels bookings, as prepayment needs it."""


async def ask_refund(session: CancelSession, tenant_id: str, booking_id: int, reason: str) -> None:
    await session.record_event(
        booking_prepay(tenant_id),
        PrepayRefund(tenant_id=tenant_id, booking_id=booking_id, reason=reason),
        msg_id=f"prepay:{tenant_id}:{booking_id}:refund",
    )


async def after_cancel(
    session: CancelSession, tenant_id: str, booking_id: int, *, by: str
) -> Prepayment | None:
    """The prepayment as the cancel leaves it (`refunding` when a refund was asked for)."""
    prepayment = await session.prepayment(booking_id)
    if prepayment is None:
        return None
    if await session.set_prepayment(booking_id, "refunding", expect=("paid",)):
        await ask_refund(session, tenant_id, booking_id, by)
        return replace(prepayment, status="refunding")
    if await session.set_prepayment(booking_id, "dropped", expect=("awaiting",)):
        return replace(prepayment, status="dropped")
    return prepayment
