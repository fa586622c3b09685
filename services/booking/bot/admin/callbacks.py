"""Callback data of the admin buttons: every prefix starts with `a` (no customer prefix does),
at most 64 bytes, never trusted: the use cases re-check the role and that the thing exists in
this tenant. Days are `yyyymmdd` (0 = today), months `yyyymm` (0 = this month). Sizes are for
the largest ids (int: 10 digits, bookings: 19). Calendar blanks reuse the customer's `x`.

| prefix | class       | fields  | buttons                                    | max bytes |
|--------|-------------|---------|--------------------------------------------|-----------|
| `ah`   | `Nav`       | to      | admin home and its sections                | 7         |
| `ad`   | `Day`       | d       | ‹ › a day of bookings, «Сегодня»           | 11        |
| `ab`   | `Act`       | a, b    | booking: open, cancel, no reason, done, ns | 27        |
| `as`   | `Svc`       | a, s    | service: open, new, name, dur, price, buf, on, off | 19 |
| `asm`  | `SvcMaster` | s, m    | a master performs the service (toggle)     | 25        |
| `am`   | `Mst`       | a, m    | master: open, new, name, on, off, link     | 18        |
| `aml`  | `MstLink`   | m, p    | link a staff member (p 0 = unlink)         | 25        |
| `aw`   | `Week`      | m       | a master's week                            | 13        |
| `awd`  | `WeekDay`   | a, m, w | weekday: open, hours, brk, off             | 22        |
| `awc`  | `Month`     | m, ym   | ‹ › the month to pick a one-off date from  | 21        |
| `awy`  | `Date`      | a, m, d | date: open, off, on, hours, reset, block   | 29        |
| `awu`  | `Unblock`   | r       | remove a blocked range                     | 14        |
| `at`   | `Member`    | a, p    | staff: open, admin, master (add), rm, sure | 20        |
| `ao`   | `Setting`   | f       | change one setting                         | 10        |
| `aexp` | `ExportData`| f       | the owner's data export                    | 9         |
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.booking.bot.admin.closure_callbacks import PREFIXES as OWNER_B_PREFIXES
from services.booking.bot.admin.owner_callbacks import OWNER_PREFIXES
from services.booking.bot.admin.prepay_callbacks import PREFIXES as PREPAY_PREFIXES
from services.booking.bot.admin.stats_callbacks import PREFIXES as STATS_PREFIXES
from services.booking.bot.admin.text_callbacks import PREFIXES as TEXT_PREFIXES
from services.booking.bot.admin.waitlist_callbacks import PREFIXES as WAITLIST_PREFIXES
from services.booking.use_cases.admin.errors import BadInput

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
IdOrZero = Annotated[int, Field(ge=0, le=2_147_483_647)]
BookingId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Code = Annotated[int, Field(ge=0, le=99_999_999)]
Weekday = Annotated[int, Field(ge=0, le=6)]


class Nav(CallbackData, prefix="ah"):
    to: Literal["home", "svc", "mst", "sch", "stf", "set"]


class Day(CallbackData, prefix="ad"):
    d: Code


class Act(CallbackData, prefix="ab"):
    a: Literal["v", "x", "x0", "done", "ns"]
    b: BookingId


class Svc(CallbackData, prefix="as"):
    a: Literal["v", "new", "name", "dur", "price", "buf", "on", "off"]
    s: IdOrZero


class SvcMaster(CallbackData, prefix="asm"):
    s: Id
    m: Id


class Mst(CallbackData, prefix="am"):
    a: Literal["v", "new", "name", "on", "off", "link"]
    m: IdOrZero


class MstLink(CallbackData, prefix="aml"):
    m: Id
    p: IdOrZero


class Week(CallbackData, prefix="aw"):
    m: Id


class WeekDay(CallbackData, prefix="awd"):
    a: Literal["v", "hours", "brk", "off"]
    m: Id
    w: Weekday


class Month(CallbackData, prefix="awc"):
    m: Id
    ym: Code


class Date(CallbackData, prefix="awy"):
    a: Literal["v", "off", "on", "hours", "reset", "block"]
    m: Id
    d: Code


class Unblock(CallbackData, prefix="awu"):
    r: Id


class Member(CallbackData, prefix="at"):
    a: Literal["v", "admin", "master", "rm", "sure"]
    p: IdOrZero


class Setting(CallbackData, prefix="ao"):
    f: Literal[
        "name", "address", "phone", "step", "notice", "horizon", "limit", "cancel", "move", "remind"
    ]


class ExportData(CallbackData, prefix="aexp"):  # the owner's data export (admin settings)
    f: Literal["json"] = "json"


ALL = (Nav, Day, Act, Svc, SvcMaster, Mst, MstLink, Week, WeekDay, Month, Date, Unblock, Member)
PREFIXES = (
    frozenset(cls.__prefix__ for cls in (*ALL, Setting))
    | OWNER_B_PREFIXES
    | OWNER_PREFIXES
    | STATS_PREFIXES
    | {ExportData.__prefix__}
    | WAITLIST_PREFIXES
)


def is_admin_data(data: str | None) -> bool:
    if data is None:
        return False
    prefix = data.split(":", 1)[0]
    return (
        prefix in PREFIXES
        or prefix in desk_prefixes()
        or prefix in client_prefixes()
        or prefix in TEXT_PREFIXES  # the owner's texts (`text_callbacks`, prefix `tx`)
        or prefix in PREPAY_PREFIXES
        or prefix in marketing_prefixes()
    )


@cache
def desk_prefixes() -> frozenset[str]:
    """The front desk's prefixes (`desk_callbacks`), imported late: that module uses this one's
    field types."""
    from services.booking.bot.admin.desk_callbacks import PREFIXES as DESK

    return DESK


def day_code(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def day_of(code: int) -> date:
    """A `yyyymmdd` from a button; a made-up one is refused politely."""
    year, rest = divmod(code, 10_000)
    month, number = divmod(rest, 100)
    if not 2000 <= year <= 9998:  # the schedule reads a day either side; `date` ends at 9999
        raise BadInput("bad_button")
    try:
        return date(year, month, number)
    except ValueError as error:
        raise BadInput("bad_button") from error


def month_of(code: int) -> tuple[int, int]:
    year, number = divmod(code, 100)
    if not (2000 <= year <= 9998 and 1 <= number <= 12):
        raise BadInput("bad_button")
    return year, number


@cache
def client_prefixes() -> frozenset[str]:
    """The client base's, the exports' and the audit log's prefixes (`client_callbacks`)."""
    from services.booking.bot.admin.client_callbacks import PREFIXES as CLIENTS

    return CLIENTS


@cache
def marketing_prefixes() -> frozenset[str]:
    """Broadcasts' and win-back's prefixes (`marketing_callbacks`)."""
    from services.booking.bot.admin.marketing_callbacks import PREFIXES as MARKETING

    return MARKETING
