"""Typed staff input: times, ranges, durations, prices, dates, ids; and the role rules."""

from __future__ import annotations

from datetime import date, time

import pytest

from services.booking.use_cases.admin import access, settings
from services.booking.use_cases.admin.errors import BadInput, NotAllowed
from services.booking.use_cases.admin.parsing import (
    parse_buffers,
    parse_date,
    parse_minutes,
    parse_offsets,
    parse_price,
    parse_range,
    parse_ranges,
    parse_telegram_id,
    parse_time,
)
from services.booking.use_cases.admin.ports import Staff

pytestmark = pytest.mark.unit

OWNER = Staff(id=1, telegram_id=100, name="Анна", role="owner", master_id=None)
ADMIN = Staff(id=2, telegram_id=200, name="Оля", role="admin", master_id=None)
MASTER = Staff(id=3, telegram_id=300, name="Ира", role="master", master_id=7)
UNLINKED = Staff(id=4, telegram_id=400, name="", role="master", master_id=None)


def reason(call: object) -> str:
    assert callable(call)
    with pytest.raises(BadInput) as caught:
        call()
    return caught.value.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10:00", time(10)), ("9:30", time(9, 30)), ("09.30", time(9, 30)), ("23", time(23))],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "10:60", "ten", "", "10:5"])
def test_bad_times(text: str) -> None:
    assert reason(lambda: parse_time(text)) == "time"


def test_ranges_take_any_dash_and_several_parts() -> None:
    assert parse_range("10:00-20:00") == (time(10), time(20))
    assert parse_range("10:00 – 20:00") == (time(10), time(20))
    assert parse_ranges("15:00-20:00, 10:00-14:00") == (
        (time(10), time(14)),
        (time(15), time(20)),
    )


def test_bad_ranges_say_why() -> None:
    assert reason(lambda: parse_range("20:00-10:00")) == "range_order"
    assert reason(lambda: parse_range("10:00-10:00")) == "range_order"
    assert reason(lambda: parse_range("10:00")) == "range"
    assert reason(lambda: parse_ranges("10:00-14:00, 13:00-18:00")) == "range_overlap"
    assert reason(lambda: parse_ranges(" , ")) == "range"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("1:30", 90), ("1ч 30м", 90), ("1h30m", 90), ("2ч", 120), ("45 мин", 45)],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_minutes(text, lo=0, hi=1440) == minutes


def test_durations_out_of_range_or_nonsense() -> None:
    assert reason(lambda: parse_minutes("3", lo=5, hi=1440)) == "minutes_range"
    assert reason(lambda: parse_minutes("25ч", lo=5, hi=1440)) == "minutes_range"
    assert reason(lambda: parse_minutes("полчаса", lo=5, hi=1440)) == "minutes"
    assert reason(lambda: parse_minutes("", lo=5, hi=1440)) == "minutes"


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [("1500", 150_000), ("1 500 ₽", 150_000), ("1500,5", 150_050), ("99.99", 9_999), ("0", 0)],
)
def test_prices_in_roubles(text: str, kopecks: int) -> None:
    assert parse_price(text) == kopecks


def test_bad_prices() -> None:
    assert reason(lambda: parse_price("дорого")) == "price"
    assert reason(lambda: parse_price("-5")) == "price"
    assert reason(lambda: parse_price("1,234")) == "price"
    assert reason(lambda: parse_price("20000000")) == "price_range"


def test_dates_without_a_year_are_the_next_such_date() -> None:
    today = date(2031, 6, 20)
    assert parse_date("25.06", today=today) == date(2031, 6, 25)
    assert parse_date("15.06", today=today) == date(2032, 6, 15)
    assert parse_date("15.06.31", today=today) == date(2031, 6, 15)
    assert parse_date("2031-07-01", today=today) == date(2031, 7, 1)
    assert reason(lambda: parse_date("31.02", today=today)) == "date"
    assert reason(lambda: parse_date("завтра", today=today)) == "date"


def test_reminder_offsets_buffers_and_ids() -> None:
    assert parse_offsets("2ч, 24ч") == (1440, 120)
    assert parse_offsets("-") == ()
    assert reason(lambda: parse_offsets("1ч, 2ч, 3ч, 4ч")) == "too_many"
    assert parse_buffers("10 5") == (10, 5)
    assert parse_buffers("10") == (10, 10)
    assert parse_buffers("0") == (0, 0)
    assert reason(lambda: parse_buffers("1 2 3")) == "buffers"
    assert parse_telegram_id(" 123456789 ") == 123_456_789
    assert reason(lambda: parse_telegram_id("@anna")) == "telegram_id"
    assert reason(lambda: parse_telegram_id("0")) == "telegram_id"


def test_settings_are_checked_field_by_field() -> None:
    assert settings.parse("step", "30") == ("slot_step_min", 30)
    assert reason(lambda: settings.parse("step", "7")) == "step"
    assert settings.parse("notice", "2ч") == ("min_notice_min", 120)
    assert settings.parse("remind", "24ч, 2ч") == ("reminder_offsets_min", (1440, 120))
    assert reason(lambda: settings.parse("horizon", "400")) == "number_range"
    assert reason(lambda: settings.parse("limit", "0")) == "number_range"
    assert reason(lambda: settings.parse("phone", "звоните")) == "phone"
    assert settings.parse("address", "-") == ("address", "")
    assert reason(lambda: settings.parse("name", "   ")) == "empty"


def test_roles() -> None:
    for manager in (OWNER, ADMIN):
        access.require_manager(manager)
        access.require_master(manager, 99)
        assert access.master_filter(manager) is None
    access.require_master(MASTER, 7)
    assert access.master_filter(MASTER) == 7
    with pytest.raises(NotAllowed):
        access.require_master(MASTER, 8)
    with pytest.raises(NotAllowed):
        access.require_manager(MASTER)
    with pytest.raises(NotAllowed):
        access.require_owner(ADMIN)
    with pytest.raises(NotAllowed):
        access.require_master(UNLINKED, 7)
    assert reason(lambda: access.master_filter(UNLINKED)) == "unlinked"
