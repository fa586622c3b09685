"""The notifier's broadcast progress loop on real Postgres, Redis, NATS and the Telegram
emulator: idle, it does not read Postgres every poll; the broadcast's event wakes it, so the
owner's progress message and report still come at once although the safety poll is long."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from devstack.infra import LocalInfra
from services.notifier.adapters.marketing_pg import PgMarketing
from services.notifier.adapters.rate_limit_redis import RedisRateLimiter
from services.notifier.use_cases import Texts
from services.notifier.use_cases.broadcasts import Broadcasts, Progress
from services.notifier.use_cases.texts import LOCALES
from shared.clock import SystemClock
from shared.messages import BroadcastRequested
from tests.conftest import RUN_ID
from tests.support.notifier_rig import Rig, open_rig, stop
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

POLL = 0.05  # while a broadcast runs
IDLE = 600.0  # the safety poll: far longer than this test, so only the event can wake it
OWNER, CUSTOMERS = 74_001, [74_002, 74_003, 74_004]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def rig(infra: LocalInfra, database_server_url: str) -> AsyncIterator[Rig]:
    async with open_rig(infra, database_server_url, f"bookbots_test_{RUN_ID}_bcwake") as rig:
        yield rig


async def _idle_looks(progress: Progress, window: float) -> int:
    """How many more looks the idle loop takes in `window` seconds (the old loop: one per
    poll). Nothing is awaited that could end it early: this measures an absence."""
    before = progress.looks
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.Event().wait(), window)
    return progress.looks - before


async def test_an_idle_loop_stays_off_postgres_and_the_event_wakes_it_for_the_owner(
    rig: Rig,
) -> None:
    tenant_id, bot = await rig.tenant()
    await rig.telegram.mark_started(bot, [OWNER, *CUSTOMERS])
    store, texts, clock = PgMarketing(rig.pool), Texts.load(LOCALES), SystemClock()
    dispatcher = rig.dispatcher()
    limiter = RedisRateLimiter(rig.redis, per_bot_rate=1000.0, per_chat_rate=1000.0)
    progress = Progress(
        store=store,
        editor=rig.sender,
        limiter=limiter,
        texts=texts,
        clock=clock,
        interval_seconds=0.2,
        poll_seconds=POLL,
        idle_seconds=IDLE,
        wake=dispatcher.wake,
    )
    broadcasts = Broadcasts(
        store=store, texts=texts, clock=clock, wake=dispatcher.wake, started=progress.wake
    )
    tasks = [asyncio.create_task(dispatcher.run()), asyncio.create_task(progress.run())]
    try:

        async def looked() -> bool:
            return progress.looks >= 1

        await until(looked, 10, "the loop's first look")
        assert await _idle_looks(progress, 1.0) == 0  # 20 reads a second before

        started = await broadcasts.on_requested(
            BroadcastRequested(
                tenant_id=tenant_id,
                broadcast_id=1,
                owner_chat_id=OWNER,
                text="Скидка 20 % в декабре",
                recipients=tuple(CUSTOMERS),
            )
        )
        assert started == "started"

        async def reported() -> bool:
            chat = await rig.telegram.chat(bot, OWNER)
            return any("Отчёт о рассылке" in (m.text or "") for m in chat.messages)

        await until(reported, 20, "the owner's report, woken by the event")
        owner_chat = (await rig.telegram.chat(bot, OWNER)).messages
        (final,) = [m for m in owner_chat if "Рассылка завершена" in (m.text or "")]
        assert "Отправлено: 3 из 3" in (final.text or "")
        assert final.buttons == []  # «Остановить» is gone
        for chat_id in CUSTOMERS:
            got = (await rig.telegram.chat(bot, chat_id)).messages
            assert [m.text for m in got if m.from_bot] == ["Скидка 20 % в декабре"]
        assert await _idle_looks(progress, 1.0) == 0  # finished: idle again
    finally:
        for task in tasks:
            await stop(task)
