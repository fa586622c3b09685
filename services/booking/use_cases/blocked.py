"""A customer whom staff blocked in the client base cannot book online: checked where a
customer's booking starts (`start_booking`) and, with the customer's row locked, in the
transaction that inserts it (`confirm_booking`), so a block that lands mid-conversation holds.
Staff can still book them by phone. Existing bookings are left as they are."""

from __future__ import annotations

from typing import Protocol

from shared.errors import RuleViolation


class CustomerBlocked(RuleViolation):
    """Online booking is closed to this customer; `phone` is the business's, to call instead."""

    def __init__(self, phone: str) -> None:
        super().__init__("customer_blocked", phone=phone)
        self.phone = phone


class BlockedPort(Protocol):
    async def customer_blocked(self, customer_id: int) -> bool: ...


async def refuse_blocked(session: BlockedPort, customer_id: int, *, phone: str) -> None:
    if await session.customer_blocked(customer_id):
        raise CustomerBlocked(phone)
