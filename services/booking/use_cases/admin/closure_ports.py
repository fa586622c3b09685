"""What the closure use cases need from the outside (closures, the bookings they cover and the
owner's decision per booking), and the plain values they pass around."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from services.booking.use_cases.admin.audit_ports import AuditPort
from services.booking.use_cases.slotwait.freed_port import FreedPort
from shared.clock import Clock

ClosureKind = Literal["vacation", "holiday", "date"]
Decision = Literal["pending", "kept", "cancelled"]

# The `reason` of a blocked range a closure made: the date screen shows it as the closure's
# and offers no «unblock» (a closure is lifted as a whole, from the closures screen).
CLOSURE_REASON = "closure"


@dataclass(frozen=True, slots=True)
class ClosureRow:
    id: int
    master_id: int | None  # None = the whole business
    master_name: str
    kind: ClosureKind
    first_day: date
    last_day: date
    pending: int  # covered bookings still waiting for a decision


@dataclass(frozen=True, slots=True)
class Covered:
    """A confirmed booking a closure covers, with who to tell and what to offer them."""

    booking_id: int
    starts_at: datetime
    service_id: int
    service_name: str
    master_id: int
    customer_name: str
    customer_chat_id: int | None
    language_code: str
    decision: Decision


class ClosureSession(AuditPort, FreedPort, Protocol):
    async def timezone(self) -> str: ...

    async def master_name(self, master_id: int) -> str | None: ...

    async def add_closure(
        self,
        *,
        master_id: int | None,
        kind: ClosureKind,
        first_day: date,
        last_day: date,
        created_by: int,
    ) -> int: ...

    async def block(
        self, closure_id: int, master_id: int, starts_at: datetime, ends_at: datetime
    ) -> None: ...

    async def close_days(self, closure_id: int, days: list[date]) -> None: ...

    async def confirmed_between(
        self, master_id: int | None, starts_at: datetime, ends_at: datetime, *, after: datetime
    ) -> list[tuple[int, int, datetime, datetime]]:
        """Confirmed bookings overlapping [starts_at, ends_at) that start after `after`:
        (id, service id, starts_at, ends_at)."""
        ...

    async def attach(self, closure_id: int, booking_ids: list[int]) -> None: ...

    async def already_asked(self, booking_ids: list[int]) -> set[int]:
        """Those the owner has been asked about (kept, or still to decide) by a closure."""
        ...

    async def closure(self, closure_id: int) -> ClosureRow | None: ...

    async def closures_from(self, day: date) -> list[ClosureRow]: ...

    async def covered(self, closure_id: int) -> list[Covered]:
        """Its bookings that are still confirmed, pending ones first, by start."""
        ...

    async def decide(
        self, closure_id: int, booking_ids: list[int], decision: Decision
    ) -> list[int]:
        """Decide the ones still pending (a row is decided once; a cancel claim that was
        interrupted long ago counts as pending); the ids this call decided."""
        ...

    async def remove(self, closure_id: int) -> None: ...


class ClosureStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ClosureSession]: ...


@dataclass(frozen=True, slots=True)
class ClosureScope:
    tenant_id: str
    store: ClosureStore
    clock: Clock
