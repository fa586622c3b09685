"""Callback data of the customer's buttons: compact, at most 64 bytes, never trusted.

Every field is re-checked on the server when the button is pressed. Times are unix minutes,
days `yyyymmdd`, months `yyyymm`; `m` = 0 means any master, `b` = 0 a new booking (else the
booking being moved). Sizes are for ids of up to 9 digits.

| prefix | class       | fields         | button                               | max bytes |
|--------|-------------|----------------|--------------------------------------|-----------|
| `menu` | `Menu`      | action         | main menu: home, book, my, about     | 10        |
| `bs`   | `PickService` | s            | a service                            | 12        |
| `bm`   | `PickMaster`| s, m           | a master or «Любой мастер»           | 22        |
| `bc`   | `PickMonth` | s, m, b, ym    | ‹ › a month of the calendar          | 39        |
| `bd`   | `PickDay`   | s, m, b, d     | a day of the calendar                | 41        |
| `bt`   | `PickTime`  | s, m, b, t     | a free time                          | 41        |
| `bk`   | `Confirm`   | s, t           | «Подтвердить» a new booking          | 21        |
| `mb`   | `Manage`    | a, b           | «Отменить» / «Да, отменить» / «Перенести» | 19   |
| `mv`   | `MoveTo`    | b, t           | «Подтвердить» a reschedule           | 21        |
| `rc`   | `SkipComment` | b            | «Пропустить» the review comment      | 12        |
| `x`    | `Blank`     | —              | an empty calendar cell               | 1         |
| `rm`   | shared `ReminderAction` | action, b | under notifier's reminders     | 19        |
X
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from shared.callbacks import ReminderAction, ReviewStars

# Out-of-range numbers fail the filter (a tampered button), never reach Postgres as overflow.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
IdOrZero = Annotated[int, Field(ge=0, le=2_147_483_647)]
BookingId = Annotated[int, Field(ge=1, le=2**63 - 1)]
BookingIdOrZero = Annotated[int, Field(ge=0, le=2**63 - 1)]
Code = Annotated[int, Field(ge=0, le=99_999_999)]  # unix minutes, yyyymmdd, yyyymm


class Menu(CallbackData, prefix="menu"):
    action: Literal["home", "book", "my", "about"]


class PickService(CallbackData, prefix="bs"):
    s: Id


class PickMaster(CallbackData, prefix="bm"):
    s: Id
    m: IdOrZero


class PickMonth(CallbackData, prefix="bc"):
    s: IdOrZero
    m: IdOrZero
    b: BookingIdOrZero
    ym: Code


class PickDay(CallbackData, prefix="bd"):
    s: IdOrZero
    m: IdOrZero
    b: BookingIdOrZero
    d: Code


class PickTime(CallbackData, prefix="bt"):
    s: IdOrZero
    m: IdOrZero
    b: BookingIdOrZero
    t: Code


class Confirm(CallbackData, prefix="bk"):
    s: Id
    t: Code


class Manage(CallbackData, prefix="mb"):
    a: Literal["cancel", "sure", "move"]
    b: BookingId


class MoveTo(CallbackData, prefix="mv"):
    b: BookingId
    t: Code


class SkipComment(CallbackData, prefix="rc"):
    b: BookingId


class Blank(CallbackData, prefix="x"):
    pass


__all__ = [
    "Blank",
    "Confirm",
    "Manage",
    "Menu",
    "MoveTo",
    "PickDay",
    "PickMaster",
    "PickMonth",
    "PickService",
    "PickTime",
    "ReminderAction",
    "ReviewStars",
    "SkipComment",
]
