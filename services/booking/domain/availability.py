"""The availability engine: which start times can be booked. Pure functions, no I/O.

Rules, all decided here so the bot, the admin side and the server-side re-check agree:

* **Local grid.** Start times are wall-clock times in the business's zone, every
  `slot_step_min` minutes counted from the start of each free window of the day (the working
  hours minus the breaks), so the first start after a break is the break's end.
* **Fit.** The whole service, buffers included ([start - before, start + duration + after)),
  must lie inside one free window and must not overlap any blocked range or any confirmed
  booking's blocked range (which includes that booking's buffers).
* **Notice and horizon.** A start is at least `now + min_notice_min`; its local date is
  between today and `today + horizon_days` (inclusive), "today" being local to the business.
* **Time zones and DST.** Wall-clock hours become instants per day with `zoneinfo`, so a
  10:00-20:00 day is 10:00-20:00 on the wall clock on every day of the year. A wall-clock
  grid time that does not exist (the spring-forward gap) is skipped; an ambiguous one (the
  fall-back repeat) means its first occurrence (`fold=0`); window bounds use `fold=0` too.
* **Any master.** With `master_id=None` a time is free when at least one master is free;
  the slot goes to the least busy of them that local day (fewest confirmed bookings), ties
  to the first in display order (the order of `AvailabilityInputs.masters`).

Speed: every master's busy time is one merged, sorted timeline (built once with the inputs);
each candidate is one bisection, and a day without a DST change needs no `zoneinfo` call per
candidate. `free_days` stops at the first free slot of a day.
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain import errors
from services.booking.domain.errors import SlotRejected, SlotTaken
from services.booking.domain.model import AvailabilityInputs, MasterSchedule, Minutes, Slot

__all__ = ["check_slot", "free_days", "free_slots"]


@dataclass(frozen=True, slots=True)
class _Context:
    """Per-call constants, in epoch seconds."""

    zone: ZoneInfo
    step_s: int
    before_s: int  # buffer before the start
    after_s: int  # duration plus buffer after
    now_s: float
    earliest_s: int  # now + min notice
    today: date
    last_day: date

    @classmethod
    def of(cls, inputs: AvailabilityInputs) -> _Context:
        rules, service = inputs.rules, inputs.service
        zone = rules.zone
        now_s = inputs.now.timestamp()
        today = inputs.now.astimezone(zone).date()
        return cls(
            zone=zone,
            step_s=rules.slot_step_min * 60,
            before_s=service.buffer_before_min * 60,
            after_s=(service.duration_min + service.buffer_after_min) * 60,
            now_s=now_s,
            earliest_s=math.ceil(now_s + rules.min_notice_min * 60),
            today=today,
            last_day=today + timedelta(days=rules.horizon_days),
        )

    def bookable(self, day: date) -> bool:
        return self.today <= day <= self.last_day


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


@dataclass(frozen=True, slots=True)
class _DayClock:
    """Wall-clock minutes of one local date as epoch seconds."""

    day: date
    zone: ZoneInfo
    start_s: int  # local midnight (fold=0)
    end_s: int  # the next local midnight
    uniform: bool  # one UTC offset all day (no DST change): minute -> instant is linear

    @classmethod
    def of(cls, day: date, zone: ZoneInfo) -> _DayClock:
        midnight, next_midnight = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        return cls(
            day=day,
            zone=zone,
            start_s=int(midnight.timestamp()),
            end_s=int(next_midnight.timestamp()),
            uniform=midnight.utcoffset() == next_midnight.utcoffset(),
        )

    def _local(self, minute: int) -> datetime:
        hour, rest = divmod(minute, 60)
        return datetime.combine(self.day, time(hour, rest), tzinfo=self.zone)

    def at(self, minute: int) -> int:
        """The instant of a wall-clock minute (fold=0 if ambiguous or nonexistent)."""
        if self.uniform:
            return self.start_s + minute * 60
        return int(self._local(minute).timestamp())

    def grid(self, window: Minutes, step_min: int, not_before_s: int) -> Iterator[int]:
        """Instants of the window's grid times that exist, from `not_before_s` on."""
        start_s = self.at(window[0])
        if self.uniform:
            step_s = step_min * 60
            skip = max(0, -(-(not_before_s - start_s) // step_s))
            yield from range(start_s + skip * step_s, self.at(window[1]), step_s)
            return
        for minute in range(window[0], window[1], step_min):
            local = self._local(minute)
            instant = local.astimezone(UTC)
            if instant.astimezone(self.zone).replace(tzinfo=None) != local.replace(tzinfo=None):
                continue  # in the spring-forward gap: this wall-clock time does not exist
            seconds = int(instant.timestamp())
            if seconds >= not_before_s:
                yield seconds


def _is_free(master: MasterSchedule, lo: int, hi: int) -> bool:
    """No busy range of the master overlaps [lo, hi)."""
    index = bisect_right(master.busy_ends, lo)
    return index == len(master.busy_ends) or master.busy_starts[index] >= hi


def _free_starts(
    master: MasterSchedule, clock: _DayClock, ctx: _Context, step_min: int
) -> Iterator[int]:
    """Free start instants of one master on one local day, in order.

    After a collision the scan jumps past the busy range that caused it, so a fully booked
    day costs a few bisections per booking, not one per grid time.
    """
    starts, ends = master.busy_starts, master.busy_ends
    step_s = step_min * 60
    for window in master.windows_on(clock.day):
        window_start, window_end = clock.at(window[0]), clock.at(window[1])
        lowest = max(window_start + ctx.before_s, ctx.earliest_s)
        highest = window_end - ctx.after_s
        while lowest <= highest:
            if clock.uniform:  # the next grid time at or after `lowest`, by arithmetic
                start = window_start - (window_start - lowest) // step_s * step_s
            else:
                found = next(clock.grid(window, step_min, lowest), None)
                if found is None:
                    break
                start = found
            if start > highest:
                break
            index = bisect_right(ends, start - ctx.before_s)
            if index == len(ends) or starts[index] >= start + ctx.after_s:
                yield start
                lowest = start + 1
            else:
                lowest = ends[index] + ctx.before_s


def _masters(inputs: AvailabilityInputs, master_id: int | None) -> tuple[MasterSchedule, ...]:
    if master_id is None:
        return inputs.masters
    return tuple(m for m in inputs.masters if m.master_id == master_id)


def _load(master: MasterSchedule, clock: _DayClock) -> int:
    starts = master.booking_starts
    return bisect_left(starts, clock.end_s) - bisect_left(starts, clock.start_s)


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def free_slots(inputs: AvailabilityInputs, day: date, master_id: int | None) -> list[Slot]:
    """Free start times of a local date, in time order; `master_id=None` means any master."""
    ctx = _Context.of(inputs)
    masters = _masters(inputs, master_id)
    if not masters or not ctx.bookable(day):
        return []
    clock = _DayClock.of(day, ctx.zone)
    step_min = inputs.rules.slot_step_min
    if master_id is not None:
        master = masters[0]
        return [Slot(_utc(s), master.master_id) for s in _free_starts(master, clock, ctx, step_min)]
    best: dict[int, tuple[tuple[int, int], int]] = {}
    for order, master in enumerate(masters):
        rank = (_load(master, clock), order)
        for start in _free_starts(master, clock, ctx, step_min):
            held = best.get(start)
            if held is None or rank < held[0]:
                best[start] = (rank, master.master_id)
    return [Slot(_utc(start), best[start][1]) for start in sorted(best)]


def free_days(
    inputs: AvailabilityInputs, year: int, month: int, master_id: int | None
) -> set[date]:
    """Local dates of a month with at least one free start time."""
    ctx = _Context.of(inputs)
    masters = _masters(inputs, master_id)
    step_min = inputs.rules.slot_step_min
    found: set[date] = set()
    for number in range(1, calendar.monthrange(year, month)[1] + 1):
        day = date(year, month, number)
        if not ctx.bookable(day):
            continue
        clock = _DayClock.of(day, ctx.zone)
        for master in masters:
            if next(_free_starts(master, clock, ctx, step_min), None) is not None:
                found.add(day)
                break
    return found


def check_slot(inputs: AvailabilityInputs, starts_at: datetime, master_id: int) -> None:
    """Raise `SlotRejected` (or `SlotTaken`) unless `free_slots` would offer this start.

    For data that came back from a client (callback buttons): re-check at the moment of use.
    """
    if starts_at.tzinfo is None:
        raise ValueError("`starts_at` must be an aware datetime")
    ctx = _Context.of(inputs)
    seconds = starts_at.timestamp()

    def refuse(reason: str) -> SlotRejected:
        return SlotRejected(reason, starts_at=starts_at, master_id=master_id)

    if seconds < ctx.now_s:
        raise refuse(errors.PAST)
    if seconds < ctx.earliest_s:
        raise refuse(errors.TOO_SOON)
    day = starts_at.astimezone(ctx.zone).date()
    if day > ctx.last_day:
        raise refuse(errors.BEYOND_HORIZON)
    masters = _masters(inputs, master_id)
    if not masters:
        raise refuse(errors.MASTER_UNAVAILABLE)
    master, clock = masters[0], _DayClock.of(day, ctx.zone)
    step_min = inputs.rules.slot_step_min
    windows = master.windows_on(day)
    for window in windows:
        window_start, window_end = clock.at(window[0]), clock.at(window[1])
        start = int(seconds)
        if start != seconds or start not in clock.grid(window, step_min, window_start):
            continue
        if start - ctx.before_s < window_start or start + ctx.after_s > window_end:
            raise refuse(errors.OUTSIDE_HOURS)
        if not _is_free(master, start - ctx.before_s, start + ctx.after_s):
            raise SlotTaken(starts_at=starts_at, master_id=master_id)
        return
    inside = any(clock.at(w[0]) <= seconds < clock.at(w[1]) for w in windows)
    raise refuse(errors.OFF_GRID if inside else errors.OUTSIDE_HOURS)
