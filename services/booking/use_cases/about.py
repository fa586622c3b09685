"""«О нас»: the business's address, phone, working hours and price list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time

from services.booking.domain.entities import ServiceInfo
from services.booking.domain.model import WeeklyInterval
from services.booking.use_cases.custom_texts import Found
from services.booking.use_cases.ports import BusinessSettings, Scope


@dataclass(frozen=True, slots=True)
class HoursLine:
    """Weekdays `first..last` (0 = Monday) open `opens..closes`; `opens` None = closed."""

    first: int
    last: int
    opens: time | None
    closes: time | None


@dataclass(frozen=True, slots=True)
class About:
    business: BusinessSettings
    hours: tuple[HoursLine, ...]
    services: tuple[ServiceInfo, ...]
    texts: Found = field(default_factory=dict)  # the owner's own «О нас», every language


def week_lines(intervals: Iterable[WeeklyInterval]) -> tuple[HoursLine, ...]:
    """The business's week from its masters' hours: each day from the earliest opening to the
    latest closing, consecutive days with the same hours merged (Пн–Сб 10:00–20:00, Вс closed)."""
    spans: dict[int, tuple[time, time]] = {}
    for item in intervals:
        known = spans.get(item.weekday)
        spans[item.weekday] = (
            (min(known[0], item.starts), max(known[1], item.ends))
            if known
            else (item.starts, item.ends)
        )
    lines: list[HoursLine] = []
    for weekday in range(7):
        opens, closes = spans.get(weekday, (None, None))
        last = lines[-1] if lines else None
        if last is not None and (last.opens, last.closes) == (opens, closes):
            lines[-1] = HoursLine(last.first, weekday, opens, closes)
        else:
            lines.append(HoursLine(weekday, weekday, opens, closes))
    return tuple(lines)


async def about(scope: Scope) -> About:
    async with scope.store.transaction() as session:
        business = await session.business()
        hours = await session.weekly_hours()
        services = await session.services()
        texts = await session.custom_texts(("about",))
    return About(business=business, hours=week_lines(hours), services=tuple(services), texts=texts)


async def business_locale(scope: Scope) -> str:
    """The business's own language: what a customer whose language the bot does not ship
    reads."""
    async with scope.store.transaction() as session:
        return (await session.business()).locale
