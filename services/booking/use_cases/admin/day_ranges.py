"""Typed ranges of days: `9.06`, `9.06-13.06`, `09.06.2031 – 13.06.2031`.

A date without a year is its next occurrence from today. Dates in the past, a range that ends
before it starts and ranges longer than `MAX_DAYS` are refused.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from services.booking.use_cases.admin.owner_errors import OwnerRefused

MAX_DAYS = 62
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?")


def _one(match: re.Match[str], today: date) -> date:
    day, month, year = int(match[1]), int(match[2]), match[3]
    try:
        if year is not None:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError as error:
        raise OwnerRefused("admin.closure.bad_days") from error


def parse_days(text: str, today: date) -> tuple[date, date]:
    found = list(_DATE.finditer(text))
    rest = _DATE.sub("", text).strip().strip("-–— ")
    if not 1 <= len(found) <= 2 or rest:
        raise OwnerRefused("admin.closure.bad_days")
    first = _one(found[0], today)
    last = _one(found[-1], today)
    if first < today:
        raise OwnerRefused("admin.closure.past")
    if last < first:
        raise OwnerRefused("admin.closure.backwards")
    if last - first >= timedelta(days=MAX_DAYS):
        raise OwnerRefused("admin.closure.too_long", days=MAX_DAYS)
    return first, last
