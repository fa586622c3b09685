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
from services.booking.use_cases.prepay.ports import PrepayPort
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


class BookingSlots(Protocol):
    """A service's free time and a booking in it: the customer's session and the front
    desk's both offer these."""

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

    async def create_booking(
        self,
        *,
        customer_id: int,
        service_id: int,
        master_id: int,
        starts_at: datetime,
        actor: str,
        source: BookingSource = "bot",
    ) -> Booking:
        """Raises `SlotTaken` (the exclusion constraint) or `NotFound`."""
        ...

    async def moved_from(self, booking_id: int, starts_at: datetime) -> datetime | None:
        """Where the latest recorded move of the booking to `starts_at` came from, if any."""
        ...


class TenantSession(EventOutbox, BookingSlots, PrepayPort, FreedPort, Protocol):
    """Reads and writes inside one open transaction of one tenant."""

    async def business(self) -> BusinessSettings: ...

    async def admin_chat_ids(self) -> tuple[int, ...]: ...

    async def clear_bot_blocked(self, telegram_id: int) -> bool:
        """The customer had blocked the bot and writes to it again; False: was not marked."""
        ...

    async def custom_texts(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
        """The owner's own texts of `kinds` (`use_cases.custom_texts`), keyed (kind, locale)."""
        ...

    async def weekly_hours(self) -> list[WeeklyInterval]: ...

    async def services(self) -> list[ServiceInfo]: ...

    async def masters(self, service_id: int) -> list[MasterInfo]: ...

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

    async def cancel_booking(
        self, booking_id: int, *, cancelled_by: CancelledBy, actor: str, customer_id: int
    ) -> Booking: ...

    async def reschedule_booking(
        self, booking_id: int, *, starts_at: datetime, actor: str, customer_id: int
    ) -> Booking: ...

    async def confirm_attendance(self, booking_id: int, *, at: datetime) -> None: ...

    async def add_review(
        self, *, booking_id: int, customer_id: int, stars: int, comment: str = ""
    ) -> Review: ...

    async def link_walk_in(self, customer_id: int, phone: str) -> int | None:
        """A customer staff entered by phone (no chat) with this phone becomes this chat's
        customer: their bookings, reviews, note, tags and block move here and the walk-in's
        row goes. The walk-in's id, or None if there was none."""
        ...

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
