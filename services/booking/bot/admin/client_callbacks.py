"""Callback data of the client base, the CSV exports and the audit log. Same rules as
`callbacks`: an `a` prefix, at most 64 bytes, never trusted (the use cases re-check the role
and that the customer exists in this tenant). A search's text is not on the button: it stays
in the FSM data (`cq`) and `f="q"` pages through it.

| prefix | class    | fields | buttons                                               | max bytes |
|--------|----------|--------|-------------------------------------------------------|-----------|
| `axl`  | `Clients`| f, p   | the list: segment (or the search), page               | 18        |
| `axc`  | `Client` | a, c   | a customer: open, block, unblock, note, tags, search  | 34        |
| `axe`  | `Export` | k      | exports: menu, customers, a period's bookings, ask    | 10        |
| `axa`  | `Audit`  | s, p   | the audit log: a person's Telegram id (0 = all), page | 30        |
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.booking.bot.admin.desk_callbacks import CustomerIdOrZero

Page = Annotated[int, Field(ge=0, le=10_000)]
TelegramIdOrZero = Annotated[int, Field(ge=0, le=2**53)]


class Clients(CallbackData, prefix="axl"):
    f: Literal["all", "new", "reg", "lapsed", "blocked", "gone", "q"] = "all"
    p: Page = 0


class Client(CallbackData, prefix="axc"):
    a: Literal["v", "block", "unblock", "note", "tags", "find"]
    c: CustomerIdOrZero = 0


class Export(CallbackData, prefix="axe"):
    k: Literal["menu", "cust", "this", "last", "prev30", "next30", "range"]


class Audit(CallbackData, prefix="axa"):
    s: TelegramIdOrZero = 0
    p: Page = 0


PREFIXES = frozenset(cls.__prefix__ for cls in (Clients, Client, Export, Audit))
