"""Compact numbers in callback data <-> dates and instants; a bad one is a `BadButton`."""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, UTC, date, datetime

from shared.errors import AppError


class BadButton(AppError):
    """Callback data that decodes but means nothing (e.g. the 31st of February)."""


def minutes(instant: datetime) -> int:
    """Unix minutes of an aware instant."""
    return int(instant.timestamp()) // 60


def instant(code: int) -> datetime:
    return datetime.fromtimestamp(code * 60, UTC)


def day_code(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def day(code: int) -> date:
    """A day a calendar can show: the first and last years are refused, since the schedule
    reads a day either side of the one asked for (and `date` ends at 9999-12-31)."""
    year, rest = divmod(code, 10_000)
    month, number = divmod(rest, 100)
    if not MINYEAR < year < MAXYEAR:
        raise BadButton(f"not a day: {code}")
    try:
        return date(year, month, number)
    except ValueError as error:
        raise BadButton(f"not a day: {code}") from error


def month_code(year: int, month: int) -> int:
    return year * 100 + month


def month(code: int) -> tuple[int, int]:
    year, number = divmod(code, 100)
    if not (1 <= year <= 9998 and 1 <= number <= 12):
        raise BadButton(f"not a month: {code}")
    return year, number
