"""The customer's conversation states (aiogram FSM in Redis, keys under `t:<tenant>:fsm:`).

| state              | waits for                      | FSM data                              |
|--------------------|--------------------------------|---------------------------------------|
| `Booking.name`     | the customer's name (text)     | `held` (the chosen time, see below)   |
| `Booking.phone`    | a phone: shared contact or text | `held`                               |
| `Booking.confirm`  | «Подтвердить» under the summary | `held`                               |
| `Review.comment`   | an optional comment (text)     | `booking_id`                          |

`held` = `{"s": service id, "m": master id or 0 for any, "shown": the master named in
the summary, "t": unix minutes}`; re-validated at confirm, never trusted.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.state import State, StatesGroup

from services.booking.bot import codes
from services.booking.use_cases.booking import Held


class Booking(StatesGroup):
    name = State()
    phone = State()
    confirm = State()


class Review(StatesGroup):
    comment = State()


def pack_held(held: Held) -> dict[str, int]:
    return {
        "s": held.service_id,
        "m": held.master_id or 0,
        "shown": held.shown_master_id,
        "t": codes.minutes(held.starts_at),
    }


def unpack_held(data: dict[str, Any]) -> Held | None:
    raw = data.get("held")
    if not isinstance(raw, dict):
        return None
    try:
        return Held(
            service_id=int(raw["s"]),
            master_id=int(raw["m"]) or None,
            shown_master_id=int(raw["shown"]),
            starts_at=codes.instant(int(raw["t"])),
        )
    except (KeyError, TypeError, ValueError):
        return None
