"""The pure parts of the front desk, no services needed: the week grid's cells across a DST
change and with blocked time, phone numbers as staff type them, a name and phone in one line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from services.booking.domain.model import MasterSchedule, UtcRange, WeeklyInterval
from services.booking.use_cases.admin.callers import split_contact
from services.booking.use_cases.admin.desk_ports import Visit
from services.booking.use_cases.admin.desk_rules import parse_phone
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.week import build_rows

pytestmark = [pytest.mark.integration]


def hours(*weekdays: int, lo: int = 10, hi: int = 12) -> tuple[WeeklyInterval, ...]:
    return tuple(WeeklyInterval(d, time(lo), time(hi)) for d in weekdays)


def test_cells_are_busy_free_or_closed_in_local_time_across_a_dst_change() -> None:
    # Berlin moves to summer time on Sunday 30 March 2031; 10:00 local is 08:00 UTC after it.
    blocked = UtcRange(
        datetime(2031, 3, 25, 10, 0, tzinfo=UTC), datetime(2031, 3, 25, 10, 30, tzinfo=UTC)
    )
    schedule = MasterSchedule(master_id=1, weekly_hours=hours(0, 1, 6), blocked=(blocked,))
    visits = [
        Visit(1, datetime(2031, 3, 24, 9, 0, tzinfo=UTC), datetime(2031, 3, 24, 9, 30, tzinfo=UTC)),
        Visit(1, datetime(2031, 3, 30, 8, 30, tzinfo=UTC), datetime(2031, 3, 30, 9, 0, tzinfo=UTC)),
    ]
    first, cell, rows = build_rows([schedule], visits, date(2031, 3, 24), "Europe/Berlin")
    assert (first, cell) == (600, 30)
    cells = ["".join(c[0] for c in row.cells) for row in rows]
    assert cells[0] == "bfff"  # Monday: 10:00 CET = 09:00 UTC is booked
    assert cells[1] == "ffcf"  # Tuesday: 11:00-11:30 CET blocked
    assert cells[2] == "cccc"  # Wednesday: closed
    assert cells[6] == "fbff"  # Sunday, summer time: 10:30 CEST = 08:30 UTC is booked
    assert [row.bookings for row in rows] == [1, 0, 0, 0, 0, 0, 1]


def test_all_masters_merge_into_busy_some_and_free() -> None:
    one = MasterSchedule(master_id=1, weekly_hours=hours(0))
    two = MasterSchedule(master_id=2, weekly_hours=hours(0, lo=11))
    visits = [
        Visit(1, datetime(2031, 6, 2, 7, 0, tzinfo=UTC), datetime(2031, 6, 2, 8, 0, tzinfo=UTC)),
        Visit(2, datetime(2031, 6, 2, 8, 30, tzinfo=UTC), datetime(2031, 6, 2, 9, 0, tzinfo=UTC)),
    ]
    _, _, rows = build_rows([one, two], visits, date(2031, 6, 2), "Europe/Moscow")
    # 10:00 and 10:30 only «one» works, and is busy; 11:00 both free; 11:30 «two» busy only.
    assert list(rows[0].cells) == ["busy", "busy", "free", "some"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+7 (912) 345-67-89", "+79123456789"),
        ("8 912 345 67 89", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phones_are_stored_in_one_form(typed: str, stored: str) -> None:
    assert parse_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "+7 912 ABC", "", "1" * 16])
def test_a_bad_phone_is_refused_politely(typed: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_phone(typed)
    assert refused.value.reason == "phone"


def test_a_name_and_a_phone_in_one_line() -> None:
    assert split_contact("Ольга +7 912 345-67-89") == ("Ольга", "+7 912 345-67-89")
    assert split_contact("8 912 345 67 89 Пётр Иванов") == ("Пётр Иванов", "8 912 345 67 89")
    assert split_contact("Мария") == ("Мария", "")
