"""What the customer use cases need from the outside, as Protocols, and the values they pass.

`TenantStore.transaction()` is one transaction in one tenant's schema (Postgres in
production, a hand-written fake in unit tests). Events are written in that transaction
(`EventOutbox.record_event`, the shared outbox in production) and published by the relay.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import msgspec

from services.booking.domain.entities import (
    Booking,
    BookingSource,
    CancelledBy,
    Customer,
    MasterInfo,
    Review,
    ServiceInfo,
)
from services.booking.domain.model import AvailabilityInputs, WeeklyInterval
from services.booking.use_cases.slotwait.freed_port import FreedPort
from shared.clock import Clock


@dataclass(frozen=True, slots=True)
class BusinessSettings:
    """The business row: what customers see and the rules of their bookings."""

    name: str
    address: str
    phone: str
    timezone: str
    locale: str
    horizon_days: int
    max_active_bookings: int
    cancel_cutoff_min: int
    reschedule_cutoff_min: int
    reminder_offsets_min: tuple[int, ...]
    review_delay_min: int | None = None


class EventOutbox(Protocol):
    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        """Write the event in the open transaction; it is published once this commits."""
        ...


class TenantSession(EventOutbox, FreedPort, Protocol):
    """Reads and writes inside one open transaction of one tenant."""

    async def business(self) -> BusinessSettings: ...

    async def admin_chat_ids(self) -> tuple[int, ...]: ...

    async def weekly_hours(self) -> list[WeeklyInterval]: ...

    async def services(self) -> list[ServiceInfo]: ...

    async def masters(self, service_id: int) -> list[MasterInfo]: ...

    async def availability(
        self,
        *,
        service_id: int,
        first_day: date,
        last_day: date,
        now: datetime,
        master_id: int | None = None,
        exclude_booking_id: int | None = None,
    ) -> AvailabilityInputs: ...

    async def customer(self, telegram_id: int) -> Customer | None: ...

    async def upsert_customer(
        self,
        *,
        telegram_id: int,
        name: str = "",
        phone: str = "",
        language_code: str = "",
        source: str | None = None,
    ) -> Customer: ...

    async def lock_customer(self, customer_id: int) -> None: ...

    async def count_active(self, customer_id: int, *, now: datetime) -> int: ...

    async def customer_blocked(self, customer_id: int) -> bool:
        """Staff closed online booking to this customer (the client base)."""
        ...

    async def upcoming(self, customer_id: int, *, now: datetime) -> list[Booking]: ...

    async def booking(self, booking_id: int) -> Booking | None: ...

    async def create_booking(
        self,
        *,
        customer_id: int,
        service_id: int,
        master_id: int,
        starts_at: datetime,
        actor: str,
        source: BookingSource = "bot",
    ) -> Booking: ...

    async def cancel_booking(
        self, booking_id: int, *, cancelled_by: CancelledBy, actor: str, customer_id: int
    ) -> Booking: ...

    async def reschedule_booking(
        self, booking_id: int, *, starts_at: datetime, actor: str, customer_id: int
    ) -> Booking: ...

    async def moved_from(self, booking_id: int, starts_at: datetime) -> datetime | None:
        """Where the latest recorded move of the booking to `starts_at` came from, if any."""
        ...

    async def confirm_attendance(self, booking_id: int, *, at: datetime) -> None: ...

    async def add_review(
        self, *, booking_id: int, customer_id: int, stars: int, comment: str = ""
    ) -> Review: ...

    async def set_review_comment(self, *, booking_id: int, customer_id: int, comment: str) -> bool:
        """Set the comment of the customer's review if it has none yet; False otherwise."""
        ...


class TenantStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[TenantSession]: ...


@dataclass(frozen=True, slots=True)
class Scope:
    """One tenant as the use cases see it: its data and the time."""

    tenant_id: str
    store: TenantStore
    clock: Clock
