"""Properties of the availability engine over random schedules, zones and bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.booking.domain.availability import check_slot, free_days, free_slots
from services.booking.domain.errors import SlotRejected
from services.booking.domain.model import (
    AvailabilityInputs,
    BookingRules,
    DayInterval,
    MasterSchedule,
    ServiceSpec,
    Slot,
    UtcRange,
    WeeklyInterval,
)

pytestmark = pytest.mark.unit

ZONES = [
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Vladivostok",
    "UTC",
    "Australia/Lord_Howe",
]
# Base dates near DST changes in the zones above, and a plain one.
BASES = [
    date(2025, 3, 28),
    date(2025, 10, 24),
    date(2025, 3, 7),
    date(2025, 10, 31),
    date(2025, 10, 3),
    date(2025, 6, 2),
]
STEPS = [5, 10, 15, 20, 30, 45, 60]


def wall(minute: int) -> time:
    return time(minute // 60, minute % 60)


@st.composite
def intervals(draw: st.DrawFn, max_count: int = 2) -> list[tuple[time, time]]:
    found = []
    for _ in range(draw(st.integers(0, max_count))):
        start = draw(st.integers(0, 23 * 60))
        end = draw(st.integers(start + 5, min(start + 12 * 60, 24 * 60 - 1)))
        found.append((wall(start), wall(end)))
    return found


@st.composite
def ranges(draw: st.DrawFn, base: datetime, max_count: int) -> tuple[UtcRange, ...]:
    found = []
    for _ in range(draw(st.integers(0, max_count))):
        start = base + timedelta(minutes=draw(st.integers(-24 * 60, 5 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(1, 300)), seconds=draw(st.integers(0, 59)))
        found.append(UtcRange(start, start + length))
    return tuple(found)


@st.composite
def masters(draw: st.DrawFn, master_id: int, base: date) -> MasterSchedule:
    base_utc = datetime.combine(base, time(), tzinfo=UTC)
    hours = [WeeklyInterval(d, *i) for d in range(7) for i in draw(intervals(3))]
    breaks = [WeeklyInterval(d, *i) for d in range(7) for i in draw(intervals(1))]
    days = [base + timedelta(days=n) for n in range(5)]
    changed = [
        DayInterval(day, *i)
        for day in draw(st.sets(st.sampled_from(days), max_size=2))
        for i in draw(intervals(2))
    ]
    return MasterSchedule(
        master_id=master_id,
        weekly_hours=tuple(hours),
        breaks=tuple(breaks),
        days_off=frozenset(draw(st.sets(st.sampled_from(days), max_size=1))),
        changed_hours=tuple(changed),
        blocked=draw(ranges(base_utc, 2)),
        bookings=draw(ranges(base_utc, 12)),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[AvailabilityInputs, date]:
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASES))
    count = draw(st.integers(1, 3))
    now = datetime.combine(base, time(), tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(-36 * 60, 36 * 60)), seconds=draw(st.integers(0, 59))
    )
    data = AvailabilityInputs(
        rules=BookingRules(
            zone,
            slot_step_min=draw(st.sampled_from(STEPS)),
            min_notice_min=draw(st.sampled_from([0, 30, 60, 24 * 60])),
            horizon_days=draw(st.integers(0, 4)),
        ),
        service=ServiceSpec(
            1, draw(st.integers(5, 240)), draw(st.integers(0, 30)), draw(st.integers(0, 30))
        ),
        masters=tuple(draw(masters(n, base)) for n in range(1, count + 1)),
        now=now,
    )
    return data, base + timedelta(days=draw(st.integers(-1, 5)))


def span(data: AvailabilityInputs, slot: Slot) -> tuple[datetime, datetime]:
    service = data.service
    return (
        slot.starts_at - timedelta(minutes=service.buffer_before_min),
        slot.starts_at + timedelta(minutes=service.duration_min + service.buffer_after_min),
    )


def windows_utc(data: AvailabilityInputs, master: MasterSchedule, day: date) -> list[tuple]:
    zone = ZoneInfo(data.rules.timezone)

    def instant(minute: int) -> datetime:
        return datetime.combine(day, wall(minute), tzinfo=zone).astimezone(UTC)

    return [(instant(a), instant(b), a) for a, b in master.windows_on(day)]


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_every_free_slot_obeys_every_rule(scenario: tuple[AvailabilityInputs, date]) -> None:
    data, day = scenario
    zone = ZoneInfo(data.rules.timezone)
    today = data.now.astimezone(zone).date()
    by_id = {m.master_id: m for m in data.masters}
    for master_id in [*by_id, None]:
        slots = free_slots(data, day, master_id)
        assert slots == sorted(slots, key=lambda s: s.starts_at)
        for slot in slots:
            master = by_id[slot.master_id]
            lo, hi = span(data, slot)
            local = slot.starts_at.astimezone(zone)
            assert slot.starts_at.tzinfo is UTC
            assert local.date() == day
            assert today <= day <= today + timedelta(days=data.rules.horizon_days)
            assert slot.starts_at >= data.now + timedelta(minutes=data.rules.min_notice_min)
            for busy in (*master.bookings, *master.blocked):
                assert hi <= busy.starts_at or lo >= busy.ends_at, (slot, busy)
            # Inside one free window (hours minus breaks), and on that window's grid.
            fits = [w for w in windows_utc(data, master, day) if w[0] <= lo and hi <= w[1]]
            assert fits, slot
            minute = local.hour * 60 + local.minute
            assert local.second == 0
            assert any((minute - w[2]) % data.rules.slot_step_min == 0 for w in fits)
            if day not in master.changed_windows:
                for brk in master.breaks:
                    if brk.weekday == day.weekday():
                        b_lo = datetime.combine(day, brk.starts, tzinfo=zone)
                        b_hi = datetime.combine(day, brk.ends, tzinfo=zone)
                        assert hi <= b_lo or lo >= b_hi
            check_slot(data, slot.starts_at, slot.master_id)


@SETTINGS
@given(scenarios())
def test_any_master_is_the_union_of_the_masters(scenario: tuple[AvailabilityInputs, date]) -> None:
    data, day = scenario
    merged = free_slots(data, day, None)
    union = set()
    for master in data.masters:
        own = {s.starts_at for s in free_slots(data, day, master.master_id)}
        union |= own
        assert {s.starts_at for s in merged} >= own
    assert {s.starts_at for s in merged} == union
    for slot in merged:  # the chosen master is really free then
        assert slot.starts_at in {s.starts_at for s in free_slots(data, day, slot.master_id)}


@SETTINGS
@given(scenarios())
def test_check_slot_agrees_with_free_slots_on_every_minute(
    scenario: tuple[AvailabilityInputs, date],
) -> None:
    data, day = scenario
    zone = ZoneInfo(data.rules.timezone)
    master = data.masters[0]
    offered = {s.starts_at for s in free_slots(data, day, master.master_id)}
    for minute in range(0, 24 * 60, 5):
        instant = datetime.combine(day, wall(minute), tzinfo=zone).astimezone(UTC)
        try:
            check_slot(data, instant, master.master_id)
        except SlotRejected:
            assert instant not in offered
        else:
            assert instant in offered


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_free_days_are_the_days_with_free_slots(scenario: tuple[AvailabilityInputs, date]) -> None:
    data, day = scenario
    for master_id in (None, 1):
        days = free_days(data, day.year, day.month, master_id)
        first = date(day.year, day.month, 1)
        month = [first + timedelta(days=n) for n in range(31)]
        expected = {d for d in month if d.month == day.month and free_slots(data, d, master_id)}
        assert days == expected
