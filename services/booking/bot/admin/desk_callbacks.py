"""Callback data of the front desk (a booking for a caller, staff moves, the week at a glance,
the customer note). Same rules as `callbacks`: an `a` prefix, at most 64 bytes, never trusted.
`t` is a day `yyyymmdd` or, for a chosen time, minutes since the Unix epoch.

| prefix | class    | fields        | buttons                                      | max bytes |
|--------|----------|---------------|----------------------------------------------|-----------|
| `ap`   | `Desk`   | a, c, s, m, t | caller: ask, new, service, master, day, time | 59        |
| `aj`   | `Move`   | a, b, t       | staff move: days, times, move                | 34        |
| `ak`   | `Glance` | m, w          | a master's week (0 = all), a day of it       | 22        |
| `ac`   | `Note`   | b             | edit the customer's note from a card         | 22        |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.booking.bot.admin.callbacks import BookingId, Code, IdOrZero
from services.booking.use_cases.admin.errors import BadInput

CustomerIdOrZero = Annotated[int, Field(ge=0, le=2**63 - 1)]
FIRST_MINUTE = 946_684_800 // 60  # 2000-01-01: anything earlier on a button is made up


class Desk(CallbackData, prefix="ap"):
    a: Literal["q", "new", "s", "m", "d", "t", "ok", "go"]
    c: CustomerIdOrZero = 0
    s: IdOrZero = 0
    m: IdOrZero = 0
    t: Code = 0


class Move(CallbackData, prefix="aj"):
    a: Literal["d", "t", "go"]
    b: BookingId
    t: Code = 0


class Glance(CallbackData, prefix="ak"):
    m: IdOrZero = 0
    w: Code = 0


class Note(CallbackData, prefix="ac"):
    b: BookingId


PREFIXES = frozenset(cls.__prefix__ for cls in (Desk, Move, Glance, Note))


def minute_code(instant: datetime) -> int:
    return int(instant.timestamp()) // 60


def instant_of(code: int) -> datetime:
    """A chosen time from a button; a made-up one is refused politely."""
    if code < FIRST_MINUTE:
        raise BadInput("bad_button")
    return datetime.fromtimestamp(code * 60, UTC)
