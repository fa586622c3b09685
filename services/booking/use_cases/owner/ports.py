"""What the owner use cases need from the outside (one tenant transaction at a time), and the
plain values they pass around."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal, Protocol

from services.booking.use_cases.admin.audit_ports import AuditPort
from services.booking.use_cases.ports import EventOutbox
from shared.clock import Clock

BusinessType = Literal["salon", "barber", "clinic", "other"]
Step = Literal["type", "services", "master", "hours", "address", "phone", "done"]
STEPS: tuple[Step, ...] = ("type", "services", "master", "hours", "address", "phone", "done")


@dataclass(frozen=True, slots=True)
class Opening:
    """Where the business stands: can customers book, and has the owner finished the setup."""

    name: str
    locale: str
    timezone: str
    ready: bool  # an active service performed by an active master who has weekly hours
    set_up: bool
    step: Step
    business_type: str
    is_owner: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A service of the catalog as the wizard lists it (on = active)."""

    id: int
    name: str
    duration_min: int
    price_kopecks: int
    on: bool


@dataclass(frozen=True, slots=True)
class WaitingCustomer:
    customer_id: int
    chat_id: int
    locale: str


@dataclass(frozen=True, slots=True)
class ReviewLine:
    stars: int
    comment: str
    created_at: datetime
    visited_at: datetime  # the booking's start
    customer: str
    master: str
    service: str


@dataclass(frozen=True, slots=True)
class Average:
    label: str  # a master's name; "" = overall
    stars: float
    count: int


class OwnerSession(EventOutbox, AuditPort, Protocol):
    async def opening(self, telegram_id: int) -> Opening: ...

    async def set_step(self, step: Step, *, business_type: str | None = None) -> None: ...

    async def catalog(self) -> list[Suggestion]: ...

    async def add_service(self, name: str, duration_min: int, price_kopecks: int) -> int: ...

    async def set_service_on(self, service_id: int, on: bool) -> bool: ...

    async def master_ids(self) -> list[int]: ...

    async def add_master(self, name: str, *, staff_telegram_id: int | None) -> int: ...

    async def fill_hours(self, weekdays: tuple[int, ...], starts: time, ends: time) -> int:
        """Weekly hours for every active master who has none; returns how many masters."""
        ...

    async def contact(self, field: Literal["address", "phone"]) -> str: ...

    async def set_contact(self, field: Literal["address", "phone"], value: str) -> None: ...

    async def join_waitlist(self, telegram_id: int, locale: str) -> bool:
        """Add the customer (made on first sight); False if they were already waiting."""
        ...

    async def waiting(self) -> list[WaitingCustomer]:
        """Customers still waiting, locked for this transaction (others skip them)."""
        ...

    async def mark_told(self, customer_ids: list[int], at: datetime) -> None: ...

    async def set_locale(self, locale: str) -> None: ...

    async def set_timezone(self, timezone: str) -> None: ...

    async def upcoming(self, now: datetime) -> tuple[int, datetime | None]:
        """How many confirmed bookings are ahead, and when the next one starts."""
        ...

    async def reviews(
        self, *, master_id: int | None, limit: int, offset: int
    ) -> list[ReviewLine]: ...

    async def averages(self, *, master_id: int | None) -> list[Average]:
        """The overall average first (label ""), then one per master with reviews."""
        ...

    async def review_delay(self) -> int: ...

    async def set_review_delay(self, minutes: int) -> None: ...


class OwnerStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[OwnerSession]: ...


@dataclass(frozen=True, slots=True)
class OwnerScope:
    tenant_id: str
    store: OwnerStore
    clock: Clock
