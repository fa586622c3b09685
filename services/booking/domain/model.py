"""The inputs and outputs of the availability engine: frozen, plain values, no I/O.

Wall-clock times (`time`, `date`) are in the business's IANA zone; instants (`datetime`) are
aware, normally UTC. A `MasterSchedule` digests its raw rows once, when it is built, into the
shapes the engine scans fast: per weekday free windows in minutes of the day, and one merged,
sorted timeline of busy instants (bookings' blocked ranges and blocked ranges) for bisecting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

Minutes = tuple[int, int]  # [start, end) in minutes since local midnight


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The business's scheduling rules (from its `business` row)."""

    timezone: str
    slot_step_min: int = 15
    min_notice_min: int = 60
    horizon_days: int = 30

    def __post_init__(self) -> None:
        if self.slot_step_min <= 0 or self.min_notice_min < 0 or self.horizon_days < 0:
            raise ValueError(f"invalid booking rules: {self!r}")
        ZoneInfo(self.timezone)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances per key


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What the engine needs of a service: its length and buffers in minutes."""

    service_id: int
    duration_min: int
    buffer_before_min: int = 0
    buffer_after_min: int = 0

    def __post_init__(self) -> None:
        if self.duration_min <= 0 or self.buffer_before_min < 0 or self.buffer_after_min < 0:
            raise ValueError(f"invalid service: {self!r}")


@dataclass(frozen=True, slots=True)
class WeeklyInterval:
    """Weekly wall-clock hours (or a break): weekday 0 = Monday .. 6 = Sunday."""

    weekday: int
    starts: time
    ends: time


@dataclass(frozen=True, slots=True)
class DayInterval:
    """One-off wall-clock hours of one date; they replace that day's weekly hours and breaks."""

    day: date
    starts: time
    ends: time


@dataclass(frozen=True, slots=True)
class UtcRange:
    """A half-open range of instants [starts_at, ends_at); both aware."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Slot:
    """A free start time (aware UTC) and the master who would serve it."""

    starts_at: datetime
    master_id: int


def _minute(value: time) -> int:
    """Minutes since midnight; seconds are ignored (hours are kept in whole minutes)."""
    return value.hour * 60 + value.minute


def _union(ranges: Iterable[Minutes]) -> list[Minutes]:
    merged: list[Minutes] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(windows: list[Minutes], holes: list[Minutes]) -> tuple[Minutes, ...]:
    result: list[Minutes] = []
    for start, end in windows:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            result.append((cursor, end))
    return tuple(result)


def _seconds(ranges: tuple[UtcRange, ...]) -> list[tuple[int, int]]:
    """Epoch seconds of aware ranges after 1970, start floored and end ceiled."""
    if any(r.starts_at.tzinfo is None or r.ends_at.tzinfo is None for r in ranges):
        raise ValueError("naive datetime in a busy range")
    return [(int(r.starts_at.timestamp()), -int(-r.ends_at.timestamp())) for r in ranges]


@dataclass(frozen=True, slots=True)
class MasterSchedule:
    """One master's hours and busy time, as loaded for a window of days."""

    master_id: int
    weekly_hours: tuple[WeeklyInterval, ...] = ()
    breaks: tuple[WeeklyInterval, ...] = ()
    days_off: frozenset[date] = frozenset()
    changed_hours: tuple[DayInterval, ...] = ()
    blocked: tuple[UtcRange, ...] = ()  # admin-blocked ranges (incl. business-wide ones)
    bookings: tuple[UtcRange, ...] = ()  # confirmed bookings' blocked ranges, buffers included

    # Digested once in __post_init__:
    weekly_windows: tuple[tuple[Minutes, ...], ...] = field(init=False, repr=False)
    changed_windows: dict[date, tuple[Minutes, ...]] = field(init=False, repr=False)
    busy_starts: tuple[int, ...] = field(init=False, repr=False)  # epoch seconds, merged
    busy_ends: tuple[int, ...] = field(init=False, repr=False)  # sorted, disjoint
    booking_starts: tuple[int, ...] = field(init=False, repr=False)  # sorted, for load

    def __post_init__(self) -> None:
        weekly = []
        for weekday in range(7):
            hours = _union(
                (_minute(h.starts), _minute(h.ends))
                for h in self.weekly_hours
                if h.weekday == weekday
            )
            holes = _union(
                (_minute(b.starts), _minute(b.ends)) for b in self.breaks if b.weekday == weekday
            )
            weekly.append(_subtract(hours, holes))
        changed: dict[date, list[Minutes]] = {}
        for interval in self.changed_hours:
            changed.setdefault(interval.day, []).append(
                (_minute(interval.starts), _minute(interval.ends))
            )
        booked = _seconds(self.bookings)
        busy = sorted(booked + _seconds(self.blocked))
        merged: list[tuple[int, int]] = []
        for start, end in busy:
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        setter = object.__setattr__
        setter(self, "weekly_windows", tuple(weekly))
        setter(self, "changed_windows", {d: tuple(_union(w)) for d, w in changed.items()})
        setter(self, "busy_starts", tuple(s for s, _ in merged))
        setter(self, "busy_ends", tuple(e for _, e in merged))
        setter(
            self,
            "booking_starts",
            tuple(sorted(start for start, _ in booked)),
        )

    def windows_on(self, day: date) -> tuple[Minutes, ...]:
        """The free wall-clock windows of a local date (hours minus breaks), or none."""
        if day in self.days_off:
            return ()
        changed = self.changed_windows.get(day)
        if changed is not None:
            return changed
        return self.weekly_windows[day.weekday()]


@dataclass(frozen=True, slots=True)
class AvailabilityInputs:
    """Everything `free_slots`, `free_days` and `check_slot` need; `masters` in display order."""

    rules: BookingRules
    service: ServiceSpec
    masters: tuple[MasterSchedule, ...]
    now: datetime

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("`now` must be an aware datetime")
