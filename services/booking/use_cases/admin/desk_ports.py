"""What the front-desk use cases (a booking for a caller, staff moves, the week at a glance, the
customer on a booking card) need besides the admin session, and the values they pass around.

`DeskSession` is an admin session plus these reads and writes, inside one tenant transaction.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from services.booking.domain.entities import Booking, Customer, MasterInfo
from services.booking.domain.model import MasterSchedule
from services.booking.use_cases.admin.ports import AdminSession, MasterRow
from services.booking.use_cases.ports import BookingSlots
from shared.clock import Clock


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What the card shows about the person: visits so far, no-shows, the staff's note; and
    for the client base: cancellations, spend at the booked prices of completed visits, the
    first source, the last and the next visit, tags and whether online booking is blocked."""

    visits: int
    no_shows: int
    note: str
    cancels: int = 0
    spend_kopecks: int = 0
    source: str | None = None
    last_visit: datetime | None = None
    next_visit: datetime | None = None
    tags: tuple[str, ...] = ()
    blocked: bool = False
    bot_blocked: bool = False  # the customer blocked the bot (until they write to it again)


@dataclass(frozen=True, slots=True)
class Visit:
    """A booking on the week grid: its master and its time."""

    master_id: int
    starts_at: datetime
    ends_at: datetime


class DeskPort(BookingSlots, Protocol):
    async def find_customers(self, *, phone_tail: str, name: str, limit: int) -> list[Customer]:
        """By the last digits of the phone (`phone_tail`, may be empty) or a part of the name."""
        ...

    async def customer_by_id(self, customer_id: int) -> Customer | None: ...

    async def customer_by_phone(self, phone_tail: str) -> Customer | None:
        """The (first) customer whose phone ends with these ten digits."""
        ...

    async def add_customer(self, *, name: str, phone: str) -> Customer:
        """A customer entered by staff (no Telegram chat yet)."""
        ...

    async def customer_facts(self, customer_id: int, now: datetime | None = None) -> CustomerFacts:
        """`now` decides which confirmed booking is the next visit (None = the database's)."""
        ...

    async def set_note(self, customer_id: int, note: str) -> None: ...

    async def masters_of_service(self, service_id: int) -> list[MasterInfo]: ...

    async def move_booking(self, booking_id: int, *, starts_at: datetime, actor: str) -> Booking:
        """Raises `SlotTaken` or `BookingNotActive`."""
        ...

    async def week_schedules(
        self, master_ids: list[int], first_day: date, last_day: date
    ) -> list[MasterSchedule]:
        """Hours, days off, changed hours and blocked ranges; `bookings` left empty."""
        ...

    async def visits_between(
        self, master_ids: list[int], lo: datetime, hi: datetime
    ) -> list[Visit]:
        """Confirmed and completed bookings that overlap [lo, hi)."""
        ...

    async def active_masters(self) -> list[MasterRow]: ...


class DeskSession(AdminSession, DeskPort, Protocol):
    """The admin session with the front desk's reads and writes."""


class DeskStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[DeskSession]: ...


@dataclass(frozen=True, slots=True)
class DeskScope:
    tenant_id: str
    store: DeskStore
    clock: Clock
