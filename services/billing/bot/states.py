"""The sales bot's conversation states (kept in Redis under `p:sales:fsm:...`, with a TTL).

FSM data: `signup_id` (the signup being filled in), `trial` (the buyer came for the trial),
`order` (a `purchase.Order` while its questions are asked).
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class SignupForm(StatesGroup):
    name = State()
    zone = State()
    custom_zone = State()
    token = State()
    owner = State()
    owner_other = State()
    plan = State()


class CheckoutForm(StatesGroup):
    email = State()
    save_card = State()
