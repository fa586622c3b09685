"""The notifier's dispatcher against real Postgres, Redis, NATS and the Telegram emulator: a
row is leased at send time, so a second replica never sends it again; a send error the sender
does not map ends `failed` with a dead letter; a row a killed sender left `sending` goes out once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
import pytest
import pytest_asyncio

from devstack.infra import LocalInfra
from tests.conftest import RUN_ID
from tests.support.notifier_rig import FAST, Rig, StallingSender, open_rig, stop

SUFFIX = "notifier_once"

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def rig(infra: LocalInfra, database_server_url: str) -> AsyncIterator[Rig]:
    async with open_rig(infra, database_server_url, f"bookbots_test_{RUN_ID}_{SUFFIX}") as rig:
        yield rig


async def test_a_slow_replica_and_a_second_one_send_each_reminder_once(rig: Rig) -> None:
    tenant_id, bot = await rig.tenant()
    chats = [70_000 + i for i in range(20)]
    await asyncio.gather(*(rig.telegram.send_text(bot, chat, "/start") for chat in chats))
    await rig.due_now(tenant_id, chats)

    # Replica A claims every row, and its network stalls before the requests leave.
    stalling = StallingSender(rig.sender, expected=len(chats))
    slow = asyncio.create_task(rig.dispatcher(sender=stalling).run_once())
    await asyncio.wait_for(stalling.all_stalled.wait(), timeout=10)

    # Replica B runs meanwhile, and the reminders go out.
    fast = asyncio.create_task(rig.dispatcher().run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 AND status <> 'sent'",
            tenant_id,
        )
        # A's network comes back; whatever A still holds, it must not send again.
        stalling.release()
        await asyncio.wait_for(slow, timeout=10)
    finally:
        await stop(fast)

    assert await rig.per_chat(bot) == dict.fromkeys(chats, 1)


async def test_an_unmapped_send_error_ends_failed_with_a_dead_letter(rig: Rig) -> None:
    # The tenant's sealed token unseals to something aiogram refuses before any request: an
    # error the sender does not map.
    tenant_id, bot = await rig.tenant(token="not-a-bot-token")
    chat = 71_001
    await rig.telegram.send_text(bot, chat, "/start")
    letters = await rig.dead_letters()
    await rig.due_now(tenant_id, [chat])
    (row_id,) = [
        r["id"]
        for r in await rig.pool.fetch(
            "SELECT id FROM notifier.deliveries WHERE tenant_id = $1", tenant_id
        )
    ]

    task = asyncio.create_task(rig.dispatcher().run())
    try:
        async with asyncio.timeout(15):
            while True:
                letter = await letters.get()
                if msgspec.json.decode(letter.payload)["delivery_id"] == row_id:
                    break
    finally:
        await stop(task)

    assert letter.deliveries == FAST.max_attempts
    assert "TokenValidationError" in letter.error
    row = await rig.pool.fetchrow(
        "SELECT status, attempts, lease_token FROM notifier.deliveries WHERE id = $1", row_id
    )
    assert row is not None
    assert (row["status"], row["attempts"]) == ("failed", FAST.max_attempts)
    assert await rig.per_chat(bot) == {}


async def test_a_row_left_sending_by_a_killed_sender_is_sent_once(rig: Rig) -> None:
    tenant_id, bot = await rig.tenant()
    chat = 72_001
    await rig.telegram.send_text(bot, chat, "/start")
    await rig.due_now(tenant_id, [chat])

    # A begins the send, then dies before any answer (its task is gone, its lease stays).
    stalling = StallingSender(rig.sender, expected=1)
    killed = asyncio.create_task(rig.dispatcher(sender=stalling).run())
    await asyncio.wait_for(stalling.all_stalled.wait(), timeout=10)
    await stop(killed)
    status = await rig.pool.fetchval(
        "SELECT status FROM notifier.deliveries WHERE tenant_id = $1", tenant_id
    )
    assert status == "sending"

    task = asyncio.create_task(rig.dispatcher().run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 AND status <> 'sent'",
            tenant_id,
        )
    finally:
        await stop(task)

    assert await rig.per_chat(bot) == {chat: 1}
    attempts = await rig.pool.fetchval(
        "SELECT attempts FROM notifier.deliveries WHERE tenant_id = $1", tenant_id
    )
    assert attempts == 2  # the killed one counts: a row that kills every sender ends failed
