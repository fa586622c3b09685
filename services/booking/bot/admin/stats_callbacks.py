"""Callback data of the analytics buttons (admin side: the prefix starts with `a`, see
`callbacks`). Never trusted: the dates are re-read and the range re-checked, the role too.

| prefix | class   | fields  | buttons                                            | bytes |
|--------|---------|---------|----------------------------------------------------|-------|
| `ay`   | `Stats` | a, f, t | menu, a period (v), chart (png), CSV, custom (ask) | 24    |

`f` and `t` are the first and last local dates, `yyyymmdd` (0 where unused).
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

Code = Annotated[int, Field(ge=0, le=99_999_999)]


class Stats(CallbackData, prefix="ay"):
    a: Literal["m", "v", "png", "csv", "ask"]
    f: Code
    t: Code


PREFIXES = frozenset({Stats.__prefix__})
