"""What «Предоплата» waits for (aiogram FSM; `is_admin_state` knows this group).

| state      | waits for                                   | FSM data |
|------------|---------------------------------------------|----------|
| `shop_id`  | the YooKassa shop id                        | —        |
| `secret`   | its secret key (deleted from the chat)      | `shop`   |
| `deposit`  | a service's deposit in roubles              | `s`      |
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class PrepayInput(StatesGroup):
    shop_id = State()
    secret = State()
    deposit = State()


PREPAY_PREFIX = f"{PrepayInput.__name__}:"
