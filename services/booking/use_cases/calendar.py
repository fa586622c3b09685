"""The month calendar of a booking (or a reschedule): which days can be pressed.

Every day of the month is shown; only days with free time are marked free. Past days,
closed days and days beyond the horizon are not, and the month arrows stay inside
today's month .. the horizon's month.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.availability import free_days
from services.booking.use_cases.choice import Choice, load_inputs
from services.booking.use_cases.ports import Scope

YearMonth = tuple[int, int]


@dataclass(frozen=True, slots=True)
class DayCell:
    day: date
    free: bool


@dataclass(frozen=True, slots=True)
class MonthView:
    year: int
    month: int
    weeks: tuple[tuple[DayCell | None, ...], ...]  # Monday first; None outside the month
    prev: YearMonth | None
    next: YearMonth | None

    @property
    def any_free(self) -> bool:
        return any(cell is not None and cell.free for week in self.weeks for cell in week)


def _shift(month: YearMonth, by: int) -> YearMonth:
    index = month[0] * 12 + month[1] - 1 + by
    return index // 12, index % 12 + 1


def clamp_month(wanted: YearMonth | None, *, today: date, last_day: date) -> YearMonth:
    """The wanted month if it lies between today's and the horizon's, else the nearest end."""
    first, last = (today.year, today.month), (last_day.year, last_day.month)
    if wanted is None:
        return first
    return min(max(wanted, first), last)


def build_month(month: YearMonth, *, today: date, last_day: date, free: set[date]) -> MonthView:
    year, number = month
    weeks = tuple(
        tuple(None if day.month != number else DayCell(day, day in free) for day in week)
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, number)
    )
    first, last = (today.year, today.month), (last_day.year, last_day.month)
    before, after = _shift(month, -1), _shift(month, 1)
    return MonthView(
        year=year,
        month=number,
        weeks=weeks,
        prev=before if before >= first else None,
        next=after if after <= last else None,
    )


async def month_view(scope: Scope, choice: Choice, *, wanted: YearMonth | None = None) -> MonthView:
    """The calendar of `wanted` (today's month by default, or the next one if today's is full)."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        business = await session.business()
        today = now.astimezone(ZoneInfo(business.timezone)).date()
        last_day = today + timedelta(days=business.horizon_days)
        month = clamp_month(wanted, today=today, last_day=last_day)
        tries = 2 if wanted is None else 1
        while True:
            year, number = month
            month_end = date(year, number, calendar.monthrange(year, number)[1])
            inputs = await load_inputs(
                session, choice, first_day=date(year, number, 1), last_day=month_end, now=now
            )
            free = free_days(inputs, year, number, choice.master_id)
            view = build_month(month, today=today, last_day=last_day, free=free)
            tries -= 1
            if view.any_free or view.next is None or tries == 0:
                return view
            month = view.next
