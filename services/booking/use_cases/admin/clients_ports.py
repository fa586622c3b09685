"""What the client base needs besides the front desk's session: a filtered, paged list with
each customer's figures, blocking, tags, and the rows of the CSV exports."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from services.booking.use_cases.admin.desk_ports import DeskSession
from shared.clock import Clock

# `gone`: customers who blocked the bot (the notifier found out; cleared when they write again)
Segment = Literal["all", "new", "reg", "lapsed", "blocked", "gone"]
SEGMENTS: tuple[Segment, ...] = ("all", "new", "reg", "lapsed", "blocked", "gone")
LAPSED_DAYS = 90  # no visit for this long and nothing booked: lapsed


@dataclass(frozen=True, slots=True)
class ClientRow:
    id: int
    name: str
    phone: str
    visits: int
    last_visit: datetime | None
    next_visit: datetime | None
    blocked: bool
    bot_blocked: bool = False


@dataclass(frozen=True, slots=True)
class ClientQuery:
    """`text` matches a part of the name; `digits` (3+) a part of the phone's digits."""

    segment: Segment
    text: str
    digits: str
    now: datetime
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class CustomerExportRow:
    id: int
    name: str
    phone: str
    source: str
    first_seen: datetime
    visits: int
    cancels: int
    no_shows: int
    spend_kopecks: int
    last_visit: datetime | None
    next_visit: datetime | None
    tags: tuple[str, ...]
    blocked: bool
    note: str


@dataclass(frozen=True, slots=True)
class BookingExportRow:
    id: int
    starts_at: datetime
    ends_at: datetime
    service: str
    master: str
    customer: str
    phone: str
    status: str
    cancelled_by: str
    price_kopecks: int
    source: str
    created_at: datetime


class ClientsPort(Protocol):
    async def client_rows(self, query: ClientQuery) -> tuple[list[ClientRow], int]:
        """The page of matching customers (by name, then id) and how many match in all."""
        ...

    async def set_blocked(self, customer_id: int, *, blocked: bool) -> None: ...

    async def set_tags(self, customer_id: int, tags: tuple[str, ...]) -> None: ...

    async def customers_export(self, now: datetime) -> list[CustomerExportRow]: ...

    async def bookings_export(self, lo: datetime, hi: datetime) -> list[BookingExportRow]:
        """Bookings starting in [lo, hi), by start."""
        ...


class ClientsSession(DeskSession, ClientsPort, Protocol):
    """The front desk's session with the client base's reads and writes."""


class ClientsStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ClientsSession]: ...


@dataclass(frozen=True, slots=True)
class ClientsScope:
    tenant_id: str
    store: ClientsStore
    clock: Clock
