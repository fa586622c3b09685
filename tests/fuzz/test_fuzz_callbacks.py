"""Random and tampered `callback_data` at every callback handler of the booking bot (as a
customer, a master and the owner) and of the sales bot.

Payloads: real data harvested from the bots' own replies, the same with fields changed
(other customers' and other tenants' ids, shifted dates, negative and huge numbers, text),
data built for every button class with out-of-range fields, and random bytes up to 64.
Per press: the update is handled (acked, never retried or dead-lettered), and nothing the
presser may not change has changed (someone else's booking, the business's setup, another
tenant, another buyer's signup or payment).
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from hypothesis import given
from hypothesis import strategies as st

from services.billing.bot import callbacks as sales_callbacks
from services.booking.bot import callbacks as customer_callbacks
from services.booking.bot.admin import callbacks as admin_callbacks
from shared.callbacks import ReminderAction, RenewTenant, ReviewStars
from tests.fuzz.booking_world import pressed
from tests.fuzz.conftest import Worlds
from tests.fuzz.harness import changed
from tests.fuzz.profile import fuzz_settings, rounds
from tests.fuzz.sales_world import BUYER
from tests.fuzz.strategies import _numbers, mutated_data, raw_data, utf8_cut

pytestmark = [pytest.mark.fuzz, pytest.mark.asyncio(loop_scope="session")]

BOOKING_BUTTONS: list[type[CallbackData]] = [
    *(
        getattr(customer_callbacks, name)
        for name in customer_callbacks.__all__
        if isinstance(getattr(customer_callbacks, name), type)
    ),
    *admin_callbacks.ALL,
    admin_callbacks.Setting,
    ReminderAction,
    ReviewStars,
]
SALES_BUTTONS: list[type[CallbackData]] = [
    *(
        getattr(sales_callbacks, name)
        for name in sales_callbacks.__all__
        if isinstance(getattr(sales_callbacks, name), type)
    ),
    RenewTenant,
]


def _field_values(annotation: Any, foreign: list[Any]) -> st.SearchStrategy[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        literal = st.sampled_from([str(v) for v in typing.get_args(annotation)])
        return st.one_of(literal, literal, st.text(max_size=6))
    if annotation is int:
        return st.one_of(_numbers, st.sampled_from(foreign or [0])).map(str)
    if annotation is bool:
        return st.sampled_from(["0", "1", "true", "2", ""])
    return st.one_of(st.sampled_from([str(f) for f in foreign] or [""]), st.text(max_size=12))


@st.composite
def built(draw: st.DrawFn, classes: list[type[CallbackData]], foreign: list[Any]) -> str:
    """Data for one of the bot's button classes, each field any value of (about) its type."""
    cls = draw(st.sampled_from(classes))
    values = [draw(_field_values(info.annotation, foreign)) for info in cls.model_fields.values()]
    return utf8_cut(":".join([cls.__prefix__, *values])) or "x"


def payloads(
    corpus: list[str], classes: list[type[CallbackData]], foreign: list[Any]
) -> st.SearchStrategy[str]:
    real = st.sampled_from(corpus)
    return st.one_of(
        real,
        real.flatmap(lambda data: mutated_data(data, [f for f in foreign if isinstance(f, int)])),
        built(classes, foreign),
        raw_data,
    )


@rounds
@fuzz_settings("booking_callbacks")
@given(role=st.sampled_from(["customer", "master", "owner"]), data=st.data())
async def test_booking_buttons_refuse_what_they_must(
    worlds: Worlds, round_: int, role: str, data: st.DataObject
) -> None:
    world = worlds.booking
    payload = data.draw(payloads(world.corpus, BOOKING_BUTTONS, world.foreign_ids), "payload")
    await _press_in_booking(worlds, role, payload)


# Found by this fuzz: a confirm button for a service that does not exist (with a stale time)
# failed inside the "stale choice" reply instead of offering the services again.
@pytest.mark.parametrize(("role", "payload"), [("customer", "bk:5:0"), ("owner", "bk:999:0")])
async def test_found_booking_payloads_are_answered(worlds: Worlds, role: str, payload: str) -> None:
    await _press_in_booking(worlds, role, payload)


async def _press_in_booking(worlds: Worlds, role: str, payload: str) -> None:
    world = worlds.booking
    who = world.roles[role]
    update = await pressed(
        world.client, world.sandbox_bot, world.raw, who.user, who.message_id, payload
    )
    world.counts.callbacks += 1
    outcome = await world.feed(update)
    await world.raw.take()
    refused, other_business = await world.settle(role)
    assert other_business == []
    assert outcome == "ok"
    assert refused == [], f"a {role} changed rows they may not: {refused}"


@rounds
@fuzz_settings("sales_callbacks")
@given(data=st.data())
async def test_sales_buttons_refuse_what_they_must(
    worlds: Worlds, round_: int, data: st.DataObject
) -> None:
    world = worlds.sales
    await _press_in_sales(worlds, data.draw(payloads(world.corpus, SALES_BUTTONS, world.foreign)))


# Found by this fuzz: a NUL in a button's data failed the payment lookup (and every retry).
@pytest.mark.parametrize("payload", ["pay:\x00", "renew:\x00"])
async def test_found_sales_payloads_are_answered(worlds: Worlds, payload: str) -> None:
    await _press_in_sales(worlds, payload)


async def _press_in_sales(worlds: Worlds, payload: str) -> None:
    world = worlds.sales
    before = await world.others.take(world.pool)
    update = await pressed(
        world.client, world.sandbox_bot, world.raw, BUYER, world.messages[BUYER], payload
    )
    world.counts.callbacks += 1
    outcome = await world.feed(update)
    await world.raw.take()
    assert outcome == "ok"
    assert changed(before, await world.others.take(world.pool)) == []
