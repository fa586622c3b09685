"""Callback data of the owner's waitlist screen (issue 11.4). Untrusted: re-checked on the
server (staff role, a real day).

| prefix | class       | fields | button                                   | max bytes |
|--------|-------------|--------|------------------------------------------|-----------|
| `wlv`  | `WaitAdmin` | d      | «🕓 Лист ожидания», ‹ › a day (0 = today) | 13        |
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from services.booking.bot.callbacks import Code


class WaitAdmin(CallbackData, prefix="wlv"):
    d: Code = 0


PREFIXES = frozenset({WaitAdmin.__prefix__})
