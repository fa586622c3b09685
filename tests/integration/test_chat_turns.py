"""Per-chat turns on a real Redis: a chat's later update waits for its earlier one, nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from devstack.infra import LocalInfra
from shared.chat_turns import ChatTurns
from tests.conftest import unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

WAIT = 5.0


@pytest_asyncio.fixture(loop_scope="session")
async def redis(infra: LocalInfra) -> AsyncIterator[Redis]:
    client = Redis.from_url(infra.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def test_a_later_update_of_a_chat_waits_until_the_earlier_one_is_done(redis: Redis) -> None:
    tenant = unique_tenant_id()
    first, second = ChatTurns(redis, "turns-test"), ChatTurns(redis, "turns-test")  # two processes
    await first.register([(tenant, 7, 100)])
    await second.register([(tenant, 7, 105), (tenant, 8, 106)])

    waiting = asyncio.create_task(second.wait_turn(tenant, 7, 105))
    await asyncio.wait_for(first.wait_turn(tenant, 7, 100), WAIT)  # the earliest goes at once
    await asyncio.wait_for(second.wait_turn(tenant, 8, 106), WAIT)  # another chat is not held
    done, _ = await asyncio.wait({waiting}, timeout=0.3)
    assert not done, "the later update ran while the earlier one was still running"

    await first.done(tenant, 7, 100)
    await asyncio.wait_for(waiting, WAIT)


async def test_an_update_left_by_a_killed_process_holds_its_chat_only_until_it_is_stale(
    redis: Redis,
) -> None:
    tenant = unique_tenant_id()
    killed = ChatTurns(redis, "turns-test", stale_seconds=0.5)
    alive = ChatTurns(redis, "turns-test")
    await killed.register([(tenant, 7, 10)])  # fetched, then the process died
    await alive.register([(tenant, 7, 11)])
    waited = asyncio.get_running_loop().time()
    await asyncio.wait_for(alive.wait_turn(tenant, 7, 11), WAIT)
    assert asyncio.get_running_loop().time() - waited >= 0.3


async def test_the_fetch_lock_is_held_by_one_process_and_handed_on_when_let_go(
    redis: Redis,
) -> None:
    durable = f"turns-test-{unique_tenant_id()}"
    # a waiter that looks only every 3 s: a quick hand-on can only come from the release
    first, second = ChatTurns(redis, durable), ChatTurns(redis, durable, wake_seconds=3.0)
    inside: list[str] = []
    held, let_go = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with first.fetch_lock():
            inside.append("first")
            held.set()
            await let_go.wait()
            inside.append("first out")

    async def follow() -> None:
        async with second.fetch_lock():
            inside.append("second")

    holder = asyncio.create_task(hold())
    await held.wait()
    follower = asyncio.create_task(follow())
    done, _ = await asyncio.wait({follower}, timeout=0.6)
    assert not done, "two processes held the fetch lock at once"
    let_go.set()
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(asyncio.gather(holder, follower), WAIT)
    assert inside == ["first", "first out", "second"]
    assert asyncio.get_running_loop().time() - started < 2.0  # woken by the release


async def test_a_fetch_lock_left_by_a_killed_process_expires(redis: Redis) -> None:
    durable = f"turns-test-{unique_tenant_id()}"
    killed = ChatTurns(redis, durable, fetch_lock_seconds=0.5)
    alive = ChatTurns(redis, durable)
    entered = killed.fetch_lock()
    await entered.__aenter__()  # taken, never let go: the process died inside
    waited = asyncio.get_running_loop().time()
    async with alive.fetch_lock():
        assert asyncio.get_running_loop().time() - waited >= 0.3


async def test_keys_read_with_the_turn_are_what_the_earlier_update_of_the_chat_left(
    redis: Redis,
) -> None:
    tenant = unique_tenant_id()
    state, data = f"t:{tenant}:fsm:1:7:7:default:state", f"t:{tenant}:fsm:1:7:7:default:data"
    first, second = ChatTurns(redis, "turns-test"), ChatTurns(redis, "turns-test")
    await first.register([(tenant, 7, 100)])
    await second.register([(tenant, 7, 105)])
    await redis.set(state, "Booking:name")

    read = [state, data]
    assert await asyncio.wait_for(first.wait_turn(tenant, 7, 100, read=read), WAIT) == {
        state: "Booking:name",
        data: None,  # absent
    }
    waiting = asyncio.create_task(second.wait_turn(tenant, 7, 105, read=read))
    await redis.set(state, "Booking:phone")  # the earlier update moves the conversation on
    await redis.set(data, '{"held": "x"}')
    await first.done(tenant, 7, 100)
    # read when the later update's turn came, not when it first asked
    assert await asyncio.wait_for(waiting, WAIT) == {
        state: "Booking:phone",
        data: '{"held": "x"}',
    }
    await second.done(tenant, 7, 105)
    await redis.delete(state, data)
