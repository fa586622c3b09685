"""The dispatcher's batches against real Postgres, Redis, NATS and the Telegram emulator: a row
answered 429 inside a chunk pauses its bot and waits while the chunk's other rows are sent once,
and two rows for one chat in one chunk still go out a second apart."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from devstack.infra import LocalInfra
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.adapters.rate_limit_redis import RedisRateLimiter
from services.notifier.adapters.telegram_sender import TelegramSender
from services.notifier.ports import Claimed, NewDelivery, RetryAfter, SendResult
from services.notifier.use_cases import Dispatcher
from shared.clock import SystemClock
from shared.redis_keys import tenant_key
from tests.conftest import RUN_ID
from tests.support.notifier_rig import FAST, JetStreamEvents, Rig, open_rig, stop

SUFFIX = "notifier_batching"

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def rig(infra: LocalInfra, database_server_url: str) -> AsyncIterator[Rig]:
    async with open_rig(infra, database_server_url, f"bookbots_test_{RUN_ID}_{SUFFIX}") as rig:
        yield rig


class FloodOnce:
    """Telegram answers 429 (`retry_after` 1 s) to the first message for one chat."""

    def __init__(self, inner: TelegramSender, chat_id: int) -> None:
        self._inner = inner
        self._chat_id = chat_id
        self.flooded = 0

    async def send(self, row: Claimed) -> SendResult:
        if row.chat_id == self._chat_id and not self.flooded:
            self.flooded += 1
            return RetryAfter(1.0)
        return await self._inner.send(row)


def dispatcher(rig: Rig, sender: FloodOnce | TelegramSender, *, per_chat_rate: float) -> Dispatcher:
    policy = dataclasses.replace(FAST, per_chat_rate=per_chat_rate, chunk_size=16)
    return Dispatcher(
        queue=PgDeliveries(rig.pool),
        limiter=RedisRateLimiter(rig.redis, per_bot_rate=1000.0, per_chat_rate=per_chat_rate),
        sender=sender,
        events=JetStreamEvents(rig.js),
        clock=SystemClock(),
        policy=policy,
    )


async def rows_of(rig: Rig, tenant_id: str) -> dict[int, list[tuple[str, datetime]]]:
    found: dict[int, list[tuple[str, datetime]]] = {}
    for r in await rig.pool.fetch(
        "SELECT chat_id, status, coalesce(sent_at, due_at) AS at FROM notifier.deliveries "
        "WHERE tenant_id = $1 ORDER BY at",
        tenant_id,
    ):
        found.setdefault(r["chat_id"], []).append((r["status"], r["at"]))
    return found


async def test_a_429_inside_a_chunk_waits_while_the_others_go_once(rig: Rig) -> None:
    tenant_id, bot = await rig.tenant()
    chats = [72_000 + i for i in range(12)]
    await asyncio.gather(*(rig.telegram.send_text(bot, chat, "/start") for chat in chats))
    await rig.due_now(tenant_id, chats)
    sender = FloodOnce(rig.sender, chats[5])
    loop = dispatcher(rig, sender, per_chat_rate=1000.0)

    assert await loop.run_once() == len(chats)

    sent = await rig.per_chat(bot)
    assert sent == {chat: 1 for chat in chats if chat != chats[5]}
    rows = await rows_of(rig, tenant_id)
    ((status, due_at),) = rows[chats[5]]
    assert status == "pending"
    assert due_at >= datetime.now(UTC) + timedelta(seconds=0.5)  # after the retry_after
    assert await rig.redis.pttl(tenant_key(tenant_id, "flood", "pause")) > 0  # the bot waits

    task = asyncio.create_task(loop.run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 AND status <> 'sent'",
            tenant_id,
        )
    finally:
        await stop(task)
    assert await rig.per_chat(bot) == dict.fromkeys(chats, 1)
    assert sender.flooded == 1


async def test_two_rows_for_one_chat_in_one_chunk_go_a_second_apart(rig: Rig) -> None:
    tenant_id, bot = await rig.tenant()
    chats = [73_000 + i for i in range(6)]
    await asyncio.gather(*(rig.telegram.send_text(bot, chat, "/start") for chat in chats))
    now = datetime.now(UTC)
    twice = chats[2]
    await PgDeliveries(rig.pool).add(
        [
            NewDelivery(
                dedup_key=f"test:{tenant_id}:{chat}:{n}",
                tenant_id=tenant_id,
                via="tenant",
                chat_id=chat,
                kind="reminder",
                text=f"Напоминаем {n}",
                due_at=now,
            )
            for chat in chats
            for n in range(2 if chat == twice else 1)
        ]
    )
    loop = dispatcher(rig, rig.sender, per_chat_rate=1.0)

    assert await loop.run_once() == len(chats) + 1  # both rows of the chat in one chunk

    assert await rig.per_chat(bot) == dict.fromkeys(chats, 1)
    first, second = (await rows_of(rig, tenant_id))[twice]
    assert first[0] == "sent"
    assert second[0] == "pending"
    assert second[1] >= first[1] + timedelta(seconds=0.9)

    task = asyncio.create_task(loop.run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 AND status <> 'sent'",
            tenant_id,
        )
    finally:
        await stop(task)
    assert await rig.per_chat(bot) == {chat: 2 if chat == twice else 1 for chat in chats}
    first, second = (await rows_of(rig, tenant_id))[twice]
    assert second[1] - first[1] >= timedelta(seconds=0.9)  # Telegram's 1 msg/s per chat
