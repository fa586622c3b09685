"""Offering time that the owner opened: weekly hours extended, a weekly break removed or
shortened, a day off removed, a date's changed hours widened. Only the wall-clock time that
was closed before and is open now is offered (the open hours after minus those before), on
the dates that change reaches, through the same `offer_ranges` as freed time: one
`booking.slotfreed` event in the change's transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.use_cases.slotwait.freed import cause, offer_ranges
from services.booking.use_cases.slotwait.freed_port import FreedPort

Span = tuple[time, time]


def minus(wholes: tuple[Span, ...], parts: tuple[Span, ...]) -> list[Span]:
    """The parts of `wholes` not covered by any of `parts`."""
    left: list[Span] = list(wholes)
    for lo, hi in parts:
        cut: list[Span] = []
        for a, b in left:
            if hi <= a or b <= lo:
                cut.append((a, b))
                continue
            if a < lo:
                cut.append((a, lo))
            if hi < b:
                cut.append((hi, b))
        left = cut
    return sorted(left)


def opened(
    before: tuple[tuple[Span, ...], tuple[Span, ...]],
    after: tuple[tuple[Span, ...], tuple[Span, ...]],
) -> list[Span]:
    """(hours, breaks) before and after: the time open now that was not open before."""
    return minus(tuple(minus(*after)), tuple(minus(*before)))


def _instants(day: date, spans: list[Span], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.combine(day, lo, tzinfo=zone), datetime.combine(day, hi, tzinfo=zone))
        for lo, hi in spans
    ]


async def offer_opened_dates(
    session: FreedPort,
    tenant_id: str,
    *,
    master_id: int,
    spans: dict[date, list[Span]],
    timezone: str,
    now: datetime,
    kind: str,
) -> int:
    """Offer the opened wall-clock `spans` of each date (the master's own dates)."""
    zone = ZoneInfo(timezone)
    ranges = [r for day, opened_ in sorted(spans.items()) for r in _instants(day, opened_, zone)]
    if not ranges:
        return 0
    return await offer_ranges(
        session,
        tenant_id,
        master_id=master_id,
        ranges=ranges,
        now=now,
        cause=cause(kind, master_id, now),
    )


def weekdays_until(first: date, last: date, weekday: int, skip: set[date]) -> list[date]:
    """The dates of `weekday` in `first..last` that keep the weekly hours (not in `skip`)."""
    start = first + timedelta(days=(weekday - first.weekday()) % 7)
    days: list[date] = []
    while start <= last:
        if start not in skip:
            days.append(start)
        start += timedelta(days=7)
    return days
