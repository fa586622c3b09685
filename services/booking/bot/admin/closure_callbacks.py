"""Callback data of the closure, invite and master-profile buttons (admin side: every prefix
starts with `a`, see `callbacks`). Never trusted: the use cases re-check the role and that the
thing exists in this tenant.

| prefix | class           | fields  | buttons                                   | bytes |
|--------|-----------------|---------|-------------------------------------------|-------|
| `acl`  | `Closures`      | a       | closures list, new vacation, new holiday  | 8     |
| `acm`  | `VacationOf`    | m       | whose vacation                            | 14    |
| `acv`  | `ClosureOpen`   | a, c    | a closure: open, lift                     | 17    |
| `acd`  | `ClosureDecide` | a, c, b | keep / cancel a covered booking (0 = all) | 36    |
| `ai`   | `Invite`        | a, m    | invites: list, admin, pick, master (m)    | 18    |
| `ap`   | `Profile`       | a, m    | a master's profile: open, bio, photo, prices | 19 |
| `apx`  | `MasterPrice`   | a, m, s | a master's own price/duration             | 30    |
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
IdOrZero = Annotated[int, Field(ge=0, le=2_147_483_647)]
BookingIdOrZero = Annotated[int, Field(ge=0, le=2**63 - 1)]


class Closures(CallbackData, prefix="acl"):
    a: Literal["list", "vac", "hol"]


class VacationOf(CallbackData, prefix="acm"):
    m: Id


class ClosureOpen(CallbackData, prefix="acv"):
    a: Literal["v", "rm"]
    c: Id


class ClosureDecide(CallbackData, prefix="acd"):
    a: Literal["k", "x"]
    c: Id
    b: BookingIdOrZero


class Invite(CallbackData, prefix="ai"):
    a: Literal["list", "admin", "pick", "master"]
    m: IdOrZero


class Profile(CallbackData, prefix="apf"):
    a: Literal["v", "bio", "photo", "prices"]
    m: Id


class MasterPrice(CallbackData, prefix="apx"):
    a: Literal["ask"]
    m: Id
    s: Id


PREFIXES = frozenset(
    cls.__prefix__
    for cls in (Closures, VacationOf, ClosureOpen, ClosureDecide, Invite, Profile, MasterPrice)
)
