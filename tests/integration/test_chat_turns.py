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
