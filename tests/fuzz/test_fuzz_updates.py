"""Generated updates of every kind, straight at the booking and sales dispatchers.

Each case is fed as the subscriber feeds it (`dp.feed_raw_update(bot, update, **context)`)
and classified as its `Consumer` would: a well-formed update must be handled (acked, never
retried or dead-lettered), a malformed one is poison (dead-lettered at once, never retried).
Whatever a case did, the other business's rows are untouched.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz import booking_world as bw
from tests.fuzz import sales_world as sw
from tests.fuzz.booking_world import pressed
from tests.fuzz.conftest import Worlds
from tests.fuzz.harness import is_update
from tests.fuzz.profile import fuzz_settings, rounds
from tests.fuzz.strategies import malformed, raw_data, unknown_fields, update_bodies

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("ignore:Detected unknown update type:RuntimeWarning"),
]

_ids = itertools.count(10**9)


@st.composite
def cases(draw: st.DrawFn, pool: list[int]) -> tuple[str, Any]:
    """("update", body) for a generated update; ("press", (user, data, extra fields)) for a
    button press the emulator makes; malformed variants of either."""
    shape = draw(st.sampled_from(["update", "update", "press", "malformed", "junk"]))
    if shape == "press":
        return "press", (draw(st.sampled_from(pool)), draw(raw_data), draw(unknown_fields))
    body = draw(update_bodies(pool))
    if shape == "malformed":
        body = draw(malformed(body))
    elif shape == "junk":
        body = draw(
            st.one_of(
                st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8)),
            )
        )
        return "update", body if isinstance(body, list) else {**body, "update_id": next(_ids)}
    body["update_id"] = next(_ids)
    return "update", body


async def _materialise(
    case: tuple[str, Any], press: Any, messages: dict[int, int]
) -> dict[str, Any] | list[Any]:
    shape, value = case
    if shape != "press":
        return value  # type: ignore[no-any-return]
    user, data, extra = value
    update = await press(user, messages[user], data)
    update["callback_query"].update(extra)
    return update  # type: ignore[no-any-return]


def _in_a_group(user: int) -> tuple[str, dict[str, Any]]:
    """Found by this fuzz: the bots answered in groups (and failed where they could not)."""
    chat = {"id": -100, "type": "group", "title": "Chat"}
    sender = {"id": user, "is_bot": False, "first_name": "A"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": "/start"}
    return "update", {"update_id": 1, "message": message}


def _with_nul(user: int) -> tuple[str, dict[str, Any]]:
    """Found by this fuzz: a NUL in a name or language code failed every query carrying it."""
    sender = {"id": user, "is_bot": False, "first_name": "A\x00", "language_code": "\x00"}
    chat = {"id": user, "type": "private", "first_name": "A"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": "/start\x00"}
    return "update", {"update_id": 2, "message": message}


@rounds
@fuzz_settings("booking_updates")
@example(case=_in_a_group(bw.OWNER))
@example(case=_with_nul(bw.CUSTOMER))
@given(case=cases(bw.POOL))
async def test_booking_dispatcher_handles_every_update(
    worlds: Worlds, round_: int, case: Any
) -> None:
    world = worlds.booking

    async def press(user: int, message_id: int, data: str) -> dict[str, Any]:
        return await pressed(world.client, world.sandbox_bot, world.raw, user, message_id, data)

    update = await _materialise(case, press, world.messages)
    world.counts.updates += 1
    well_formed = is_update(update)
    outcome = await world.feed(update)  # type: ignore[arg-type]
    await world.raw.take()  # nothing the bot did may leave updates behind for the next case
    _, other_business = await world.settle()
    assert other_business == []
    assert outcome == ("ok" if well_formed else "poison")


@rounds
@fuzz_settings("sales_updates")
@example(case=_in_a_group(sw.BUYER))
@example(case=_with_nul(sw.BUYER))
@given(case=cases(sw.POOL))
async def test_sales_dispatcher_handles_every_update(
    worlds: Worlds, round_: int, case: Any
) -> None:
    world = worlds.sales
    others_before = await world.others.take(world.pool)

    async def press(user: int, message_id: int, data: str) -> dict[str, Any]:
        return await pressed(world.client, world.sandbox_bot, world.raw, user, message_id, data)

    update = await _materialise(case, press, world.messages)
    world.counts.updates += 1
    well_formed = is_update(update)
    outcome = await world.feed(update)  # type: ignore[arg-type]
    await world.raw.take()
    assert outcome == ("ok" if well_formed else "poison")
    assert await world.others.take(world.pool) == others_before
