"""Typed staff input -> values: times, ranges, durations, prices, dates, ids.

Each parser raises `BadInput` with a reason key (the bot shows an example of the right form).
Russian and English spellings are both accepted: `1ч 30м`, `1h30m`, `90`, `1:30`.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, time

from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.ports import Interval

MAX_PRICE_RUBLES = 10_000_000
MAX_TELEGRAM_ID = 2**52

_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
_DASHES = re.compile(r"\s*[-–—]\s*")
_SPLIT = re.compile(r"[,;\n]+")
_DURATION = re.compile(
    r"(?:(?P<h>\d{1,3})\s*(?:ч|час[а-я]*|h|hours?)\s*)?(?:(?P<m>\d{1,4})\s*(?:м|мин[а-я]*|m|min[a-z]*)?)?"
)
_PRICE = re.compile(r"(\d{1,9})(?:[.,](\d{1,2}))?")
_PRICE_NOISE = re.compile(r"[\s\u00a0]|₽|руб[а-я.]*|р\.?$|rub", re.IGNORECASE)
_DATE_DOTS = re.compile(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?")
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NONE_WORDS = frozenset({"-", "0", "нет", "no", "none", "—"})


def clean_text(text: str, *, max_len: int) -> str:
    value = " ".join(text.split())
    if not value:
        raise BadInput("empty")
    if len(value) > max_len:
        raise BadInput("too_long", max=max_len)
    return value


def parse_time(text: str) -> time:
    """`10`, `9:30`, `09.30` -> a wall-clock time; 24:00 and beyond are refused."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise BadInput("time")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise BadInput("time")
    return time(hour, minute)


def parse_range(text: str) -> Interval:
    """`10:00-20:00` (any dash) -> (10:00, 20:00); the end must come after the start."""
    parts = _DASHES.split(text.strip())
    if len(parts) != 2:
        raise BadInput("range")
    starts, ends = parse_time(parts[0]), parse_time(parts[1])
    if ends <= starts:
        raise BadInput("range_order")
    return starts, ends


def parse_ranges(text: str) -> tuple[Interval, ...]:
    """`10:00-14:00, 15:00-20:00` -> sorted ranges that do not overlap."""
    ranges = sorted(parse_range(part) for part in _SPLIT.split(text) if part.strip())
    if not ranges:
        raise BadInput("range")
    for (_, prev_end), (next_start, _) in itertools.pairwise(ranges):
        if next_start < prev_end:
            raise BadInput("range_overlap")
    return tuple(ranges)


def is_none(text: str) -> bool:
    """`-`, `0`, «нет», "none": the staff member means nothing / no value."""
    return text.strip().lower() in _NONE_WORDS


def parse_minutes(text: str, *, lo: int, hi: int) -> int:
    """`90`, `1:30`, `1ч 30м`, `2h`, `45 мин` -> minutes within [lo, hi]."""
    value = text.strip().lower()
    clock = re.fullmatch(r"(\d{1,3}):(\d{2})", value)
    if clock is not None:
        minutes = int(clock.group(1)) * 60 + int(clock.group(2))
    else:
        match = _DURATION.fullmatch(value)
        if match is None or not value or not (match.group("h") or match.group("m")):
            raise BadInput("minutes")
        minutes = int(match.group("h") or 0) * 60 + int(match.group("m") or 0)
    if not lo <= minutes <= hi:
        raise BadInput("minutes_range", lo=lo, hi=hi)
    return minutes


def parse_count(text: str, *, lo: int, hi: int) -> int:
    value = text.strip()
    if not value.isdigit() or len(value) > 6:
        raise BadInput("number")
    number = int(value)
    if not lo <= number <= hi:
        raise BadInput("number_range", lo=lo, hi=hi)
    return number


def parse_price(text: str) -> int:
    """Roubles as typed (`1500`, `1 500 ₽`, `1500,50`) -> kopecks."""
    value = _PRICE_NOISE.sub("", text.strip())
    match = _PRICE.fullmatch(value)
    if match is None:
        raise BadInput("price")
    rubles = int(match.group(1))
    kopecks = int((match.group(2) or "0").ljust(2, "0"))
    if rubles > MAX_PRICE_RUBLES:
        raise BadInput("price_range", hi=MAX_PRICE_RUBLES)
    return rubles * 100 + kopecks


def parse_date(text: str, *, today: date) -> date:
    """`15.06`, `15.06.2031`, `15/06/31`, `2031-06-15`; without a year, the next such date."""
    value = text.strip()
    iso = _DATE_ISO.fullmatch(value)
    dots = _DATE_DOTS.fullmatch(value)
    try:
        if iso is not None:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if dots is None:
            raise BadInput("date")
        day, month, year = int(dots.group(1)), int(dots.group(2)), dots.group(3)
        if year is not None:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError as error:
        raise BadInput("date") from error


def parse_offsets(text: str, *, most: int = 3, hi: int = 7 * 1440) -> tuple[int, ...]:
    """Reminder offsets before a visit: `24ч, 2ч` or `1440, 120`; `-` for none."""
    if is_none(text):
        return ()
    values = {parse_minutes(part, lo=5, hi=hi) for part in _SPLIT.split(text) if part.strip()}
    if not values:
        raise BadInput("minutes")
    if len(values) > most:
        raise BadInput("too_many", most=most)
    return tuple(sorted(values, reverse=True))


def parse_telegram_id(text: str) -> int:
    value = text.strip().removeprefix("id").strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_TELEGRAM_ID:
        raise BadInput("telegram_id")
    return int(value)


def parse_buffers(text: str) -> tuple[int, int]:
    """`10 5` / `10, 5` (before, after) or one number for both; `0` / `-` for none."""
    if is_none(text):
        return 0, 0
    parts = [p for p in re.split(r"[\s,;/]+", text.strip()) if p]
    if len(parts) not in (1, 2):
        raise BadInput("buffers")
    values = [parse_minutes(p, lo=0, hi=240) for p in parts]
    return (values[0], values[-1])
