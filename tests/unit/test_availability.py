"""The availability engine by hand: a Moscow salon, Mon-Sat 10:00-20:00 with a 14:00-15:00 break."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain import errors
from services.booking.domain.availability import check_slot, free_days, free_slots
from services.booking.domain.errors import SlotRejected, SlotTaken
from services.booking.domain.model import (
    AvailabilityInputs,
    BookingRules,
    DayInterval,
    MasterSchedule,
    ServiceSpec,
    UtcRange,
    WeeklyInterval,
)

pytestmark = pytest.mark.unit

MSK = ZoneInfo("Europe/Moscow")
MONDAY = date(2025, 6, 2)
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)  # Sunday 12:00 in Moscow


def at(day: date, hhmm: str, zone: ZoneInfo = MSK) -> datetime:
    """An aware UTC instant of a local wall-clock time."""
    local = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone)
    return local.astimezone(UTC)


def master(master_id: int = 1, **changes: object) -> MasterSchedule:
    fields: dict[str, object] = {
        "weekly_hours": tuple(WeeklyInterval(d, time(10), time(20)) for d in range(6)),
        "breaks": tuple(WeeklyInterval(d, time(14), time(15)) for d in range(6)),
    }
    fields.update(changes)
    return MasterSchedule(master_id, **fields)  # type: ignore[arg-type]


def inputs(
    *masters: MasterSchedule,
    duration: int = 60,
    before: int = 0,
    after: int = 0,
    now: datetime = NOW,
    step: int = 15,
    notice: int = 60,
    horizon: int = 30,
    zone: str = "Europe/Moscow",
) -> AvailabilityInputs:
    return AvailabilityInputs(
        rules=BookingRules(zone, slot_step_min=step, min_notice_min=notice, horizon_days=horizon),
        service=ServiceSpec(7, duration, before, after),
        masters=masters or (master(),),
        now=now,
    )


def local_times(slots: list, zone: ZoneInfo = MSK) -> list[str]:
    return [s.starts_at.astimezone(zone).strftime("%H:%M") for s in slots]


def test_a_plain_day_has_slots_on_the_grid_around_the_break() -> None:
    slots = free_slots(inputs(), MONDAY, 1)
    times = local_times(slots)
    assert times[0] == "10:00"
    assert "13:00" in times
    assert "13:15" not in times  # would run into the break
    assert "14:00" not in times
    assert times[times.index("13:00") + 1] == "15:00"
    assert times[-1] == "19:00"
    assert len(times) == 13 + 17
    assert slots[0].starts_at == datetime(2025, 6, 2, 7, 0, tzinfo=UTC)
    assert all(s.starts_at.tzinfo is UTC and s.master_id == 1 for s in slots)


def test_sunday_is_closed() -> None:
    assert free_slots(inputs(), MONDAY - timedelta(days=1), 1) == []


def test_a_booking_with_buffers_on_both_sides_blocks_neighbours() -> None:
    # An existing 11:00-12:00 visit with 15-minute buffers holds 10:45-12:15.
    booked = UtcRange(at(MONDAY, "10:45"), at(MONDAY, "12:15"))
    data = inputs(master(bookings=(booked,)), duration=60, before=15, after=15)
    times = local_times(free_slots(data, MONDAY, 1))
    # Our own buffers too: [start - 15, start + 75) must not touch 10:45-12:15.
    assert "10:00" not in times  # its before-buffer would start before opening
    assert "10:15" not in times  # 10:00-11:30 overlaps the booking's 10:45-12:15
    assert "12:15" not in times  # its before-buffer starts at 12:00, inside the booking
    assert times[0] == "12:30"  # 12:15-13:45 is clear


def test_min_notice_and_the_horizon() -> None:
    now = at(MONDAY, "11:10")
    times = local_times(free_slots(inputs(now=now, notice=60), MONDAY, 1))
    assert times[0] == "12:15"
    assert free_slots(inputs(now=now, horizon=30), MONDAY + timedelta(days=31), 1) == []
    assert free_slots(inputs(now=now, horizon=30), MONDAY + timedelta(days=30), 1) != []
    assert free_slots(inputs(now=now), MONDAY - timedelta(days=7), 1) == []


def test_days_off_changed_hours_and_blocked_ranges() -> None:
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    m = master(
        days_off=frozenset({MONDAY}),
        changed_hours=(DayInterval(tuesday, time(12), time(14, 30)),),
        blocked=(UtcRange(at(wednesday, "10:00"), at(wednesday, "18:30")),),
    )
    data = inputs(m)
    assert free_slots(data, MONDAY, 1) == []
    # Changed hours replace the weekly hours and their break.
    assert local_times(free_slots(data, tuesday, 1)) == [
        "12:00",
        "12:15",
        "12:30",
        "12:45",
        "13:00",
        "13:15",
        "13:30",
    ]
    assert local_times(free_slots(data, wednesday, 1)) == ["18:30", "18:45", "19:00"]


def test_step_counts_from_the_start_of_each_free_window() -> None:
    m = master(
        weekly_hours=(WeeklyInterval(0, time(9, 10), time(12)),),
        breaks=(WeeklyInterval(0, time(10, 20), time(10, 50)),),
    )
    times = local_times(free_slots(inputs(m, duration=30, step=30), MONDAY, 1))
    assert times == ["09:10", "09:40", "10:50", "11:20"]


def test_any_master_merges_and_prefers_the_least_busy() -> None:
    busy_a = UtcRange(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    anna, boris = master(1, bookings=(busy_a,)), master(2)
    data = inputs(anna, boris)
    slots = free_slots(data, MONDAY, None)
    by_time = {s.starts_at: s.master_id for s in slots}
    assert by_time[at(MONDAY, "10:00")] == 2  # only Boris is free
    assert by_time[at(MONDAY, "15:00")] == 2  # both free; Boris has fewer bookings that day
    assert {s.starts_at for s in slots} >= {s.starts_at for s in free_slots(data, MONDAY, 1)}
    # A tie goes to the first master in display order.
    tie = free_slots(inputs(master(1), master(2)), MONDAY, None)
    assert {s.master_id for s in tie} == {1}


def test_unknown_master_has_no_slots() -> None:
    assert free_slots(inputs(), MONDAY, 99) == []


def test_free_days_of_a_month() -> None:
    data = inputs(master(days_off=frozenset({date(2025, 6, 10)})))
    days = free_days(data, 2025, 6, None)
    # Horizon: today (June 1, a Sunday) + 30 days = July 1; Sundays are closed.
    expected = {
        date(2025, 6, d) for d in range(2, 31) if date(2025, 6, d).weekday() != 6 and d != 10
    }
    assert days == expected
    assert free_days(data, 2025, 7, 1) == {date(2025, 7, 1)}
    assert free_days(data, 2025, 5, 1) == set()


def test_a_fully_booked_day_is_not_a_free_day() -> None:
    full = (UtcRange(at(MONDAY, "10:00"), at(MONDAY, "20:00")),)
    assert MONDAY not in free_days(inputs(master(bookings=full)), 2025, 6, 1)


def test_check_slot_accepts_what_free_slots_offers() -> None:
    data = inputs()
    for slot in free_slots(data, MONDAY, 1):
        check_slot(data, slot.starts_at, slot.master_id)


@pytest.mark.parametrize(
    ("starts_at", "master_id", "reason"),
    [
        (NOW - timedelta(minutes=1), 1, errors.PAST),
        (NOW + timedelta(minutes=30), 1, errors.TOO_SOON),
        (at(MONDAY + timedelta(days=31), "10:00"), 1, errors.BEYOND_HORIZON),
        (at(MONDAY, "10:05"), 1, errors.OFF_GRID),
        (at(MONDAY, "10:00:30"), 1, errors.OFF_GRID),
        (at(MONDAY, "19:15"), 1, errors.OUTSIDE_HOURS),  # would end after 20:00
        (at(MONDAY, "13:30"), 1, errors.OUTSIDE_HOURS),  # would run into the break
        (at(MONDAY, "14:15"), 1, errors.OUTSIDE_HOURS),  # in the break
        (at(MONDAY, "21:00"), 1, errors.OUTSIDE_HOURS),
        (at(MONDAY + timedelta(days=6), "12:00"), 1, errors.OUTSIDE_HOURS),  # Sunday
        (at(MONDAY, "10:00"), 99, errors.MASTER_UNAVAILABLE),
    ],
)
def test_check_slot_refuses_with_a_reason(starts_at: datetime, master_id: int, reason: str) -> None:
    with pytest.raises(SlotRejected) as caught:
        check_slot(inputs(), starts_at, master_id)
    assert caught.value.reason == reason
    assert not isinstance(caught.value, SlotTaken)


def test_check_slot_says_taken_for_bookings_and_blocks() -> None:
    booked = UtcRange(at(MONDAY, "11:00"), at(MONDAY, "12:00"))
    blocked = UtcRange(at(MONDAY, "16:00"), at(MONDAY, "16:01"))
    data = inputs(master(bookings=(booked,), blocked=(blocked,)))
    for hhmm in ("10:15", "11:45", "15:15"):
        with pytest.raises(SlotTaken) as caught:
            check_slot(data, at(MONDAY, hhmm), 1)
        assert caught.value.reason == errors.TAKEN
    check_slot(data, at(MONDAY, "10:00"), 1)
    check_slot(data, at(MONDAY, "12:00"), 1)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        check_slot(inputs(), datetime(2025, 6, 2, 10), 1)  # noqa: DTZ001 - on purpose
    with pytest.raises(ValueError, match="aware"):
        inputs(now=datetime(2025, 6, 1))  # noqa: DTZ001 - on purpose
