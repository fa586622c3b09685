"""What the owner screens wait for (aiogram FSM, like `states.AdminInput`; `is_admin_state`
knows this group too, so the admin router takes the typed answer).

| state           | waits for                                  |
|-----------------|--------------------------------------------|
| `own_service`   | «Название, минуты, цена» of an own service |
| `master_name`   | the first master's name (someone else)     |
| `hours`         | a weekly range, Monday to Friday           |
| `address`       | the business's address                     |
| `phone`         | the business's phone                       |
| `zone`          | an IANA time zone name                     |
| `review_delay`  | minutes after a visit for a review request |
| `text_body`     | the owner's own wording of a text (`texts`)|
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class OwnerInput(StatesGroup):
    own_service = State()
    master_name = State()
    hours = State()
    address = State()
    phone = State()
    zone = State()
    review_delay = State()
    text_body = State()


OWNER_PREFIX = f"{OwnerInput.__name__}:"
