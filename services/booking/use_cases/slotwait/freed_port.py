"""The small parts of a tenant session the waitlist needs where time frees (`FreedPort`, for
`freed.py`) and for the owner's view (`WaitlistView`, `admin_view.py`).

Every session that can free time has it (the customer's, the admin's and desk's, the
closures'), so offers are written in the transaction of the change that freed the time.
Imports nothing of the use cases, so `use_cases.ports` can build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import msgspec

from services.booking.domain.model import AvailabilityInputs


@dataclass(frozen=True, slots=True)
class Waiter:
    """An open entry that may match freed time, with where to send the offer."""

    entry_id: int
    chat_id: int
    locale: str
    service_id: int
    service_name: str
    master_id: int | None  # None = any master
    first_day: date
    last_day: date


class FreedPort(Protocol):
    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        """Write the event in the open transaction (the outbox)."""
        ...

    async def slotwait_zone(self) -> tuple[str, str]:
        """The business's time zone and language."""
        ...

    async def slotwait_waiters(
        self, master_id: int | None, first_day: date, last_day: date, now: datetime
    ) -> list[Waiter]:
        """Open, unexpired entries whose days overlap and whose master is `master_id` or any
        (every master's when `master_id` is None), oldest first, customers with a chat."""
        ...

    async def slotwait_inputs(
        self, service_id: int, master_id: int | None, day: date, now: datetime
    ) -> AvailabilityInputs:
        """The engine's inputs for one day (`NotFound` if the service is gone)."""
        ...

    async def slotwait_master_names(self) -> dict[int, str]: ...

    async def slotwait_fulfil_matching(
        self,
        customer_id: int,
        booking_id: int,
        service_id: int,
        master_id: int,
        day: date,
        at: datetime,
    ) -> bool:
        """Mark the customer's oldest open entry that this booking answers (its service, its
        master or any, its day) fulfilled by it; False if none."""
        ...

    async def slotwait_reopen(self, booking_id: int, now: datetime) -> int:
        """Open again the unexpired entries this booking fulfilled (its hold ran out unpaid);
        how many."""
        ...


@dataclass(frozen=True, slots=True)
class WaitRow:
    customer_name: str
    phone: str
    service_name: str
    master_name: str  # "" = any master
    first_day: date
    last_day: date


class WaitlistView(Protocol):
    async def slotwait_on_day(self, day: date, now: datetime) -> list[WaitRow]:
        """Open, unexpired entries whose days include `day`, oldest first."""
        ...
