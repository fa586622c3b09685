"""Analytics of one business over a day, a week, a month or a typed range of local dates.

What counts (the SQL is `adapters.analytics_sql`; every day boundary is midnight in the
business's zone, so a range across a DST change has its true length):
- a booking belongs to the range when its appointment starts inside it (any status);
- revenue is the booked price snapshot (`bookings.price_kopecks`, list price at booking time)
  of completed and still-confirmed bookings; cancelled and no-shows earn nothing;
- customers are those with a booking in the range that was not cancelled: *new* when they had
  no such booking before the range, *returning* otherwise; sources are their `customers.source`;
- the rating is the average of the reviews left on the range's bookings;
- a master's load is booked minutes (not cancelled bookings in the range) against open minutes
  (weekly hours minus breaks, or that date's changed hours, minus days off and blocked ranges);
- the busiest hours count not cancelled bookings by their local starting hour.

Owner and admins see everything; a master only their own load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from services.booking.use_cases.admin.access import manages_all, master_filter
from services.booking.use_cases.admin.errors import BadInput, NotAllowed
from services.booking.use_cases.admin.ports import Staff
from shared.clock import Clock

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    bookings: int
    cancelled: int
    no_shows: int
    revenue_kopecks: int


@dataclass(frozen=True, slots=True)
class MasterLoad:
    master_id: int
    name: str
    booked_min: int
    open_min: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.booked_min / self.open_min) if self.open_min else None


@dataclass(frozen=True, slots=True)
class Totals:
    bookings: int
    completed: int
    confirmed: int
    no_shows: int
    cancelled_by_customer: int
    cancelled_by_staff: int
    cancelled_by_system: int
    revenue_kopecks: int
    new_customers: int
    returning_customers: int
    sources: tuple[tuple[str, int], ...]  # ("" = no source), most first
    rating: float | None
    reviews: int
    days: tuple[DayFigures, ...]  # every day of the range, zeros included
    hours: tuple[tuple[int, int], ...]  # (local hour, bookings) for hours that had any

    @property
    def cancelled(self) -> int:
        return self.cancelled_by_customer + self.cancelled_by_staff + self.cancelled_by_system


@dataclass(frozen=True, slots=True)
class Report:
    first: date
    last: date
    timezone: str
    totals: Totals | None  # None for a master: only their own load
    loads: tuple[MasterLoad, ...]


class AnalyticsReader(Protocol):
    async def timezone(self) -> str: ...

    async def totals(self, first: date, last: date, zone: str) -> Totals: ...

    async def loads(
        self, first: date, last: date, zone: str, master_id: int | None
    ) -> list[MasterLoad]: ...


@dataclass(frozen=True, slots=True)
class AnalyticsScope:
    reader: AnalyticsReader
    clock: Clock


def check_range(first: date, last: date) -> None:
    if last < first or (last - first).days + 1 > MAX_DAYS:
        raise BadInput("bad_button")


async def report(scope: AnalyticsScope, actor: Staff, first: date, last: date) -> Report:
    check_range(first, last)
    zone = await scope.reader.timezone()
    master = master_filter(actor)  # a master unlinked to anyone is told so
    totals = await scope.reader.totals(first, last, zone) if manages_all(actor) else None
    loads = await scope.reader.loads(first, last, zone, master)
    return Report(first=first, last=last, timezone=zone, totals=totals, loads=tuple(loads))


async def full_report(scope: AnalyticsScope, actor: Staff, first: date, last: date) -> Report:
    """The chart and the CSV: owner and admins only."""
    if not manages_all(actor):
        raise NotAllowed("stats")
    return await report(scope, actor, first, last)


async def today(scope: AnalyticsScope) -> date:
    zone = await scope.reader.timezone()
    return local_day(scope.clock.now(), zone)


def local_day(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def presets(today: date) -> dict[str, tuple[date, date]]:
    """Today, this week (Monday to Sunday) and this month."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "day": (today, today),
        "week": (monday, monday + timedelta(days=6)),
        "month": (first, following - timedelta(days=1)),
    }


_DAY = r"(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?"
_RANGE = re.compile(rf"^\s*{_DAY}\s*(?:-|–|—|\.\.)\s*{_DAY}\s*$")


class RangeError(ValueError):
    """A typed range that cannot be read or breaks a limit; `reason` names which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _year(text: str | None, default: int) -> int:
    if text is None:
        return default
    return int(text) + 2000 if len(text) == 2 else int(text)


def parse_range(text: str, *, today: date) -> tuple[date, date]:
    """`1.06-30.06`, `1.06.2031-30.06.2031`, `20.12-10.01` (into the next year); the year
    defaults to this one. At most `MAX_DAYS` days, the end not before the start."""
    found = _RANGE.match(text)
    if found is None:
        raise RangeError("format")
    d1, m1, y1, d2, m2, y2 = found.groups()
    try:
        first = date(_year(y1, today.year), int(m1), int(d1))
        last = date(_year(y2, first.year), int(m2), int(d2))
        if y2 is None and last < first:
            last = last.replace(year=last.year + 1)
    except ValueError as error:
        raise RangeError("date") from error
    if last < first:
        raise RangeError("order")
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeError("long")
    return first, last
