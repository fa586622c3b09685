"""A booking still held for its prepayment: shown as awaiting payment, not movable (its move
would be announced before its payment, and billing's hold keeps the old time), cancellable by
the customer at any time (nothing was paid, nothing to refund: the time frees at once)."""

from __future__ import annotations

from datetime import datetime

from services.booking.use_cases.prepay.ports import Prepayment, PrepayPort
from shared.errors import RuleViolation


class HeldForPayment(RuleViolation):
    """The booking waits for its prepayment: it cannot be moved until it is paid."""

    def __init__(self, booking_id: int, hold_until: datetime) -> None:
        super().__init__("prepay_held", booking_id=booking_id)
        self.booking_id = booking_id
        self.hold_until = hold_until


async def awaiting(session: PrepayPort, booking_id: int) -> Prepayment | None:
    """The booking's prepayment while it is still awaited, else None."""
    prepayment = await session.prepayment(booking_id)
    return prepayment if prepayment is not None and prepayment.status == "awaiting" else None


async def refuse_move(session: PrepayPort, booking_id: int) -> None:
    """`HeldForPayment` when the booking still waits for its prepayment."""
    held = await awaiting(session, booking_id)
    if held is not None:
        raise HeldForPayment(booking_id, held.hold_until)
