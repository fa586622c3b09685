"""Callback data of «Предоплата» (owner only; re-checked by `use_cases.prepay.owner`).

| prefix | class       | fields | buttons                                        | max bytes |
|--------|-------------|--------|------------------------------------------------|-----------|
| `ppa`  | `PrepayNav` | a,s,m  | the screen, connect, off, hold, service's mode | 28        |
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

IdOrZero = Annotated[int, Field(ge=0, le=2_147_483_647)]
Minutes = Annotated[int, Field(ge=0, le=1440)]


class PrepayNav(CallbackData, prefix="ppa"):
    a: Literal["v", "on", "off", "hold", "svc", "none", "dep", "full"]
    s: IdOrZero = 0
    m: Minutes = 0


PREFIXES = frozenset({PrepayNav.__prefix__})
