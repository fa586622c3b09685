"""Callback data of the waitlist for freed time (issue 11.4). Never trusted: re-checked on
the server. `m` = 0 means any master, `d` = 0 "from today".

| prefix | class        | fields     | button                                        | max bytes |
|--------|--------------|------------|-----------------------------------------------|-----------|
| `wlj`  | `WaitJoin`   | s, m, d    | «Лист ожидания» on the calendar or times      | 34        |
| `wla`  | `WaitAdd`    | s, m, d, n | a range preset: that day, 3 days, a week, ... | 37        |
| `wll`  | `WaitList`   | —          | «Мой лист ожидания»                           | 3         |
| `wlx`  | `WaitLeave`  | e          | «Покинуть» one entry                          | 23        |
| `wlo`  | shared `SlotOfferTime` | e, m, t | «Записаться на HH:MM» under notifier's offer | 34   |
"""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.booking.bot.callbacks import Code, Id, IdOrZero

EntryId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Span = Annotated[int, Field(ge=1, le=14)]


class WaitJoin(CallbackData, prefix="wlj"):
    s: Id
    m: IdOrZero
    d: Code


class WaitAdd(CallbackData, prefix="wla"):
    s: Id
    m: IdOrZero
    d: Code
    n: Span


class WaitList(CallbackData, prefix="wll"):
    pass


class WaitLeave(CallbackData, prefix="wlx"):
    e: EntryId
