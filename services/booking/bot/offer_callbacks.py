"""Callback data of the times offered to a customer whose booking a closure cancelled.

| prefix | class       | fields  | button                                     | max bytes |
|--------|-------------|---------|--------------------------------------------|-----------|
| `bo`   | `OfferTime` | s, m, t | book that time with that master, one tap   | 34        |
| `bp`   | `MasterPhoto` | s, m  | a master's photo on the master choice      | 23        |

Untrusted like every button: the time goes through the normal confirm (limit, schedule,
the database's constraint).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from services.booking.bot.callbacks import Code, Id


class OfferTime(CallbackData, prefix="bo"):
    s: Id
    m: Id
    t: Code


class MasterPhoto(CallbackData, prefix="bp"):
    """«📷 <master>» on the master choice: the master's photo and description."""

    s: Id
    m: Id
