"""What the admin use cases need from the outside, and the plain values they pass around."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal, Protocol

from services.booking.domain.entities import Booking, Customer
from services.booking.domain.model import WeeklyInterval
from services.booking.use_cases.admin.audit_ports import AuditPort
from services.booking.use_cases.ports import BusinessSettings, EventOutbox
from services.booking.use_cases.prepay.ports import PrepayPort, PrepaySettingsPort
from services.booking.use_cases.slotwait.freed_port import FreedPort, WaitlistView
from shared.clock import Clock

Role = Literal["owner", "admin", "master"]
Interval = tuple[time, time]  # wall-clock [starts, ends) in the business's zone
Outcome = Literal["completed", "no_show"]


@dataclass(frozen=True, slots=True)
class Staff:
    """A person allowed into `/admin`: the owner, an admin, or a master (linked to a master)."""

    id: int
    telegram_id: int
    name: str
    role: Role
    master_id: int | None


@dataclass(frozen=True, slots=True)
class ServiceRow:
    id: int
    name: str
    duration_min: int
    price_kopecks: int
    buffer_before_min: int
    buffer_after_min: int
    active: bool


@dataclass(frozen=True, slots=True)
class MasterRow:
    id: int
    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class BookingLine:
    """A booking with the customer it belongs to."""

    booking: Booking
    customer: Customer
    held_until: datetime | None = None  # still waiting for its prepayment until then


@dataclass(frozen=True, slots=True)
class Blocked:
    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class DateRows:
    """What one master's one date holds besides the weekly pattern."""

    day_off: bool
    business_closed: bool
    changed: tuple[Interval, ...]
    blocked: tuple[Blocked, ...]


@dataclass(frozen=True, slots=True)
class Settings:
    """Every editable field of the business row."""

    name: str
    address: str
    phone: str
    timezone: str
    slot_step_min: int
    min_notice_min: int
    horizon_days: int
    max_active_bookings: int
    cancel_cutoff_min: int
    reschedule_cutoff_min: int
    reminder_offsets_min: tuple[int, ...]


SettingValue = str | int | tuple[int, ...]


class BookingsPort(Protocol):
    async def business(self) -> BusinessSettings: ...

    async def admin_chat_ids(self) -> tuple[int, ...]: ...

    async def custom_texts(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]: ...

    async def bookings_between(
        self, lo: datetime, hi: datetime, *, master_id: int | None
    ) -> list[BookingLine]: ...

    async def booking_line(self, booking_id: int) -> BookingLine | None: ...

    async def cancel_booking(self, booking_id: int, *, reason: str, actor: str) -> Booking:
        """Raises `BookingNotActive` when the booking is not confirmed any more."""
        ...

    async def set_outcome(self, booking_id: int, outcome: Outcome, *, actor: str) -> bool: ...


class CatalogPort(Protocol):
    async def all_services(self) -> list[ServiceRow]: ...

    async def service(self, service_id: int) -> ServiceRow | None: ...

    async def add_service(self, *, name: str, duration_min: int, price_kopecks: int) -> int: ...

    async def update_service(
        self,
        service_id: int,
        *,
        name: str | None = None,
        duration_min: int | None = None,
        price_kopecks: int | None = None,
        buffers: tuple[int, int] | None = None,
        active: bool | None = None,
    ) -> None: ...

    async def service_masters(self, service_id: int) -> list[tuple[MasterRow, bool]]: ...

    async def set_service_master(self, service_id: int, master_id: int, *, on: bool) -> None: ...

    async def all_masters(self) -> list[MasterRow]: ...

    async def master(self, master_id: int) -> MasterRow | None: ...

    async def add_master(self, name: str) -> int: ...

    async def update_master(
        self, master_id: int, *, name: str | None = None, active: bool | None = None
    ) -> None: ...

    async def master_service_names(self, master_id: int) -> list[str]: ...


class SchedulePort(Protocol):
    async def week(self, master_id: int) -> tuple[list[WeeklyInterval], list[WeeklyInterval]]:
        """The master's weekly hours and breaks."""
        ...

    async def set_week_day(
        self,
        master_id: int,
        weekday: int,
        *,
        hours: tuple[Interval, ...] | None = None,
        breaks: tuple[Interval, ...] | None = None,
    ) -> None:
        """Replace the weekday's hours and/or breaks (None leaves them as they are)."""
        ...

    async def date_rows(self, master_id: int, day: date) -> DateRows: ...

    async def marked_days(self, master_id: int, first: date, last: date) -> dict[date, str]:
        """Days with something one-off: "off" or "changed"."""
        ...

    async def set_day_off(self, master_id: int, day: date, *, off: bool) -> None: ...

    async def set_changed_hours(
        self, master_id: int, day: date, hours: tuple[Interval, ...]
    ) -> None: ...

    async def add_blocked(self, master_id: int, starts_at: datetime, ends_at: datetime) -> int: ...

    async def blocked(self, block_id: int) -> tuple[int | None, Blocked] | None:
        """The range and its master (None = everyone)."""
        ...

    async def remove_blocked(self, block_id: int) -> None: ...


class StaffPort(Protocol):
    async def staff_by_telegram(self, telegram_id: int) -> Staff | None: ...

    async def staff_by_id(self, staff_id: int) -> Staff | None: ...

    async def staff_list(self) -> list[Staff]: ...

    async def add_staff(self, *, telegram_id: int, name: str, role: Role) -> Staff | None:
        """None when the Telegram id is staff already."""
        ...

    async def remove_staff(self, staff_id: int) -> None: ...

    async def link_staff(self, staff_id: int, master_id: int | None) -> None: ...

    async def settings(self) -> Settings: ...

    async def update_setting(self, field: str, value: SettingValue) -> None: ...


class AdminSession(
    BookingsPort,
    CatalogPort,
    SchedulePort,
    StaffPort,
    EventOutbox,
    AuditPort,
    PrepayPort,
    PrepaySettingsPort,
    FreedPort,
    WaitlistView,
    Protocol,
):
    """Reads and writes inside one open transaction of one tenant."""


class AdminStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[AdminSession]: ...


@dataclass(frozen=True, slots=True)
class AdminScope:
    """One tenant as the admin use cases see it."""

    tenant_id: str
    store: AdminStore
    clock: Clock
