"""What the customer's waitlist use cases need from a tenant transaction (`WaitSession`: the
customer session with their entries) and the values they pass. `FreedPort` is in
`freed_port`."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from services.booking.use_cases.ports import TenantSession
from services.booking.use_cases.slotwait.freed_port import FreedPort, Waiter
from shared.clock import Clock


@dataclass(frozen=True, slots=True)
class WaitEntry:
    id: int
    customer_id: int
    service_id: int
    service_name: str
    master_id: int | None
    master_name: str
    first_day: date
    last_day: date
    expires_at: datetime
    fulfilled: bool
    booking_id: int | None = None


class WaitSession(TenantSession, FreedPort, Protocol):
    async def slotwait_entries(self, customer_id: int, now: datetime) -> list[WaitEntry]:
        """The customer's open, unexpired entries, newest first."""
        ...

    async def slotwait_entry(self, entry_id: int) -> WaitEntry | None: ...

    async def slotwait_add(
        self,
        *,
        customer_id: int,
        service_id: int,
        master_id: int | None,
        first_day: date,
        last_day: date,
        locale: str,
        expires_at: datetime,
        now: datetime,
    ) -> int:
        """Add an entry (and drop the customer's expired ones)."""
        ...

    async def slotwait_leave(self, entry_id: int, customer_id: int) -> bool: ...

    async def slotwait_fulfil(self, entry_id: int, booking_id: int, at: datetime) -> bool:
        """Mark an open entry fulfilled by a booking; False if it was not open."""
        ...


class WaitStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[WaitSession]: ...


@dataclass(frozen=True, slots=True)
class WaitScope:
    tenant_id: str
    store: WaitStore
    clock: Clock


__all__ = ["FreedPort", "WaitEntry", "WaitScope", "WaitSession", "WaitStore", "Waiter"]
