"""Time zones: wall-clock hours become the right UTC instants on DST days and far from Moscow."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest

from services.booking.domain import errors
from services.booking.domain.availability import check_slot, free_days, free_slots
from services.booking.domain.errors import SlotRejected
from services.booking.domain.model import (
    AvailabilityInputs,
    BookingRules,
    MasterSchedule,
    ServiceSpec,
    WeeklyInterval,
)

pytestmark = pytest.mark.unit


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def inputs(
    zone: str, hours: tuple[time, time], *, duration: int, step: int, now: datetime
) -> AvailabilityInputs:
    weekly = tuple(WeeklyInterval(d, *hours) for d in range(7))
    return AvailabilityInputs(
        rules=BookingRules(zone, slot_step_min=step, min_notice_min=0, horizon_days=366),
        service=ServiceSpec(1, duration),
        masters=(MasterSchedule(1, weekly_hours=weekly),),
        now=now,
    )


def starts(data: AvailabilityInputs, day: date) -> list[datetime]:
    return [s.starts_at for s in free_slots(data, day, 1)]


@pytest.mark.parametrize(
    ("zone", "day", "first", "last"),
    [
        # Berlin springs forward on 2025-03-30 at 02:00 (+01 -> +02), falls back on 10-26.
        ("Europe/Berlin", date(2025, 3, 29), utc(2025, 3, 29, 9), utc(2025, 3, 29, 18)),
        ("Europe/Berlin", date(2025, 3, 30), utc(2025, 3, 30, 8), utc(2025, 3, 30, 17)),
        ("Europe/Berlin", date(2025, 10, 26), utc(2025, 10, 26, 9), utc(2025, 10, 26, 18)),
        # New York: 2025-03-09 (-05 -> -04) and 2025-11-02 (-04 -> -05).
        ("America/New_York", date(2025, 3, 9), utc(2025, 3, 9, 14), utc(2025, 3, 9, 23)),
        ("America/New_York", date(2025, 11, 2), utc(2025, 11, 2, 15), utc(2025, 11, 3, 0)),
        # Vladivostok is +10 all year: a 10:00 start is midnight UTC.
        ("Asia/Vladivostok", date(2025, 6, 2), utc(2025, 6, 2, 0), utc(2025, 6, 2, 9)),
    ],
)
def test_a_10_to_20_day_is_ten_wall_clock_hours(
    zone: str, day: date, first: datetime, last: datetime
) -> None:
    data = inputs(zone, (time(10), time(20)), duration=60, step=15, now=utc(2025, 1, 1))
    found = starts(data, day)
    assert found[0] == first
    assert found[-1] == last
    assert len(found) == 37  # 10:00 .. 19:00 every 15 minutes
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(found))


def test_spring_forward_skips_the_missing_hour() -> None:
    # Berlin 2025-03-30: 02:00-03:00 does not exist; 01:00 is +01, 03:00 is +02.
    data = inputs("Europe/Berlin", (time(1), time(5)), duration=60, step=60, now=utc(2025, 1, 1))
    assert starts(data, date(2025, 3, 30)) == [
        utc(2025, 3, 30, 0),  # 01:00 CET
        utc(2025, 3, 30, 1),  # 03:00 CEST (02:00 skipped)
        utc(2025, 3, 30, 2),  # 04:00 CEST, ends at 05:00 CEST = 03:00 UTC
    ]
    with pytest.raises(SlotRejected) as caught:
        check_slot(data, utc(2025, 3, 30, 0, 30), 1)
    assert caught.value.reason == errors.OFF_GRID


def test_fall_back_uses_the_first_occurrence_of_the_repeated_hour() -> None:
    # Berlin 2025-10-26: 02:00-03:00 happens twice (+02, then +01).
    data = inputs("Europe/Berlin", (time(1), time(4)), duration=30, step=30, now=utc(2025, 1, 1))
    assert starts(data, date(2025, 10, 26)) == [
        utc(2025, 10, 25, 23, 0),  # 01:00 CEST
        utc(2025, 10, 25, 23, 30),  # 01:30 CEST
        utc(2025, 10, 26, 0, 0),  # 02:00 CEST (fold=0)
        utc(2025, 10, 26, 0, 30),  # 02:30 CEST (fold=0)
        utc(2025, 10, 26, 2, 0),  # 03:00 CET
        utc(2025, 10, 26, 2, 30),  # 03:30 CET, ends at 04:00 CET
    ]
    # The second 02:30 (CET) is not on the grid.
    with pytest.raises(SlotRejected) as caught:
        check_slot(data, utc(2025, 10, 26, 1, 30), 1)
    assert caught.value.reason == errors.OFF_GRID
    check_slot(data, utc(2025, 10, 26, 0, 30), 1)


def test_new_york_spring_forward_missing_start() -> None:
    data = inputs("America/New_York", (time(0), time(6)), duration=60, step=60, now=utc(2025, 1, 1))
    found = starts(data, date(2025, 3, 9))
    # 00:00, 01:00 EST (-05); 02:00 missing; 03:00, 04:00, 05:00 EDT (-04).
    assert found == [
        utc(2025, 3, 9, 5),
        utc(2025, 3, 9, 6),
        utc(2025, 3, 9, 7),
        utc(2025, 3, 9, 8),
        utc(2025, 3, 9, 9),
    ]


def test_vladivostok_local_day_starts_the_evening_before_in_utc() -> None:
    # 2025-06-01 20:00 UTC is already 2025-06-02 06:00 in Vladivostok: "today" is June 2.
    now = utc(2025, 6, 1, 20)
    data = inputs("Asia/Vladivostok", (time(8), time(12)), duration=60, step=60, now=now)
    assert starts(data, date(2025, 6, 2)) == [
        utc(2025, 6, 1, 22),  # 08:00 +10
        utc(2025, 6, 1, 23),
        utc(2025, 6, 2, 0),
        utc(2025, 6, 2, 1),  # 11:00 +10
    ]
    assert starts(data, date(2025, 6, 1)) == []  # yesterday, locally
    assert min(free_days(data, 2025, 6, 1)) == date(2025, 6, 2)
    check_slot(data, utc(2025, 6, 1, 22), 1)


def test_half_hour_dst_of_lord_howe() -> None:
    # Lord Howe moves by 30 minutes (+10:30 -> +11 on 2025-10-05 at 02:00).
    data = inputs(
        "Australia/Lord_Howe", (time(1), time(4)), duration=30, step=30, now=utc(2025, 1, 1)
    )
    found = starts(data, date(2025, 10, 5))
    local = [s.astimezone(data.rules.zone).strftime("%H:%M") for s in found]
    assert local == ["01:00", "01:30", "02:30", "03:00", "03:30"]
