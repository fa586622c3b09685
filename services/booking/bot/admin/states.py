"""What the admin conversation waits for (aiogram FSM, keys under `t:<tenant>:fsm:`).

Any admin button press leaves these states (the gate clears them), so text typed later is
never taken for an old question. The FSM data only says what is being edited; the use cases
re-check it like a button.

| state              | waits for                               | FSM data          |
|--------------------|-----------------------------------------|-------------------|
| `cancel_reason`    | why staff cancel a booking              | `b`               |
| `service_name`     | a new service's name                    | —                 |
| `service_duration` | its duration                            | `name`            |
| `service_price`    | its price in roubles                    | `name`, `dur`     |
| `service_field`    | a new name / duration / price / buffers | `s`, `f`          |
| `master_name`      | a master's name (new, or a rename)      | `m` (0 = new)     |
| `week_day`         | weekday hours or breaks                 | `m`, `w`, `f`     |
| `date_day`         | one date's hours or a blocked range     | `m`, `d`, `f`     |
| `staff_id`         | a Telegram id, contact or forward       | `role`            |
| `setting`          | a setting's new value                   | `f`               |
| `phone_query`      | a caller's phone or name to look up     | `d` (day or 0)    |
| `phone_new`        | a new customer's name and/or phone      | `d`, `n`, `p`     |
| `customer_note`    | the staff's note about a customer       | `b`               |
| `closure_days`     | the days of a vacation or a holiday     | `m` (0 = all)     |
| `master_bio`       | a master's short description            | `m`               |
| `master_photo`     | a master's photo                        | `m`               |
| `master_price`     | a master's own price and duration       | `m`, `s`          |
| `client_search`    | a name or phone to find in the base     | —                 |
| `client_note`      | the note, from the client card          | `c`               |
| `client_tags`      | the tags, from the client card          | `c`               |
| `client_period`    | two dates of a bookings export          | —                 |
| `stats_range`      | an analytics period, `1.06-30.06`       | —                 |
| `bcast_text`       | a broadcast's text, or a photo+caption  | —                 |
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

from services.booking.bot.admin.owner_states import OWNER_PREFIX
from services.booking.bot.admin.prepay_states import PREPAY_PREFIX


class AdminInput(StatesGroup):
    cancel_reason = State()
    service_name = State()
    service_duration = State()
    service_price = State()
    service_field = State()
    master_name = State()
    week_day = State()
    date_day = State()
    staff_id = State()
    setting = State()
    phone_query = State()
    phone_new = State()
    customer_note = State()
    closure_days = State()
    master_bio = State()
    master_photo = State()
    master_price = State()
    client_search = State()
    client_note = State()
    client_tags = State()
    client_period = State()
    stats_range = State()
    bcast_text = State()


PREFIX = f"{AdminInput.__name__}:"


def is_admin_state(raw_state: str | None) -> bool:
    return raw_state is not None and raw_state.startswith((PREFIX, OWNER_PREFIX, PREPAY_PREFIX))
