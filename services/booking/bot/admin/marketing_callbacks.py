"""Callback data of broadcasts and win-back settings (admin side; `mk` prefixes, let in by
`callbacks.is_admin_data`). Never trusted: the use cases re-check the role, the days and that
the master or service exists in this tenant. The draft message is not on the buttons: it stays
in the FSM data (`bt`, `bp`, `bb`) until it is sent.

| prefix | class           | fields  | buttons                                            | bytes |
|--------|-----------------|---------|----------------------------------------------------|-------|
| `mkb`  | `Bcast`         | a, k, v | menu, new, button, audience, days, pick, send      | ≤ 30  |
| `mkw`  | `Winback`       | s, d    | win-back: the list, a service's choices, the days  | ≤ 25  |
| `mks`  | `BroadcastStop` | b       | «Остановить» under the progress (shared.callbacks) | ≤ 24  |
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from shared.callbacks import BroadcastStop

Value = Annotated[int, Field(ge=0, le=2_147_483_647)]


class Bcast(CallbackData, prefix="mkb"):
    a: Literal["menu", "new", "btn", "aud", "days", "pick", "show", "go"]
    k: Literal["", "all", "recent", "lapsed", "master", "service"] = ""
    v: Value = 0


class Winback(CallbackData, prefix="mkw"):
    s: Value = 0  # a service (0 = the list)
    d: Annotated[int, Field(ge=-1, le=365)] = -1  # -1: choose; 0: off; else days


PREFIXES = frozenset(cls.__prefix__ for cls in (Bcast, Winback, BroadcastStop))
