"""What booking reads with a chat's turn (`subscribers.turn_reads`) is what its dispatcher
reads, on a real Redis: the keys are the ones aiogram's FSM asks for, the values read with the
turn are used without asking Redis again, and the business language comes from the turn too."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot
from redis.asyncio import Redis

from devstack.infra import LocalInfra
from services.booking.adapters.locale_cache import BusinessLocales, locale_key
from services.booking.bot import build_dispatcher, fsm_keys
from services.booking.subscribers import turn_reads
from shared.chat_turns import HeldTurn, held_turn
from shared.redis_keys import current_tenant
from tests.conftest import unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

BOT = Bot(f"5123456789:{secrets.token_urlsafe(26)}")  # a made-up token: never calls Telegram
CHAT = 424242


@pytest_asyncio.fixture(loop_scope="session")
async def redis(infra: LocalInfra) -> AsyncIterator[Redis]:
    async with Redis.from_url(infra.redis_url) as client:
        yield client


async def _bot_id_of(tenant_id: str) -> int | None:
    return BOT.id if tenant_id.startswith("t_") else None


async def test_the_keys_read_with_the_turn_are_the_ones_the_fsm_reads(redis: Redis) -> None:
    tenant = unique_tenant_id()
    dispatcher = build_dispatcher(redis)
    read = await turn_reads(_bot_id_of, fsm_keys(dispatcher))(tenant, CHAT)

    token = current_tenant.set(tenant)
    try:
        context = dispatcher.fsm.resolve_context(bot=BOT, chat_id=CHAT, user_id=CHAT)
        await context.set_state("Booking:phone")
        await context.set_data({"held": "x"})
        # read with the turn, as the puller does: the values the FSM has just written
        assert await redis.mget(read) == [b"Booking:phone", b'{"held": "x"}', None]
        assert read[2] == locale_key(tenant)
        await context.clear()
    finally:
        current_tenant.reset(token)


async def test_values_read_with_the_turn_are_used_without_asking_redis(redis: Redis) -> None:
    tenant = unique_tenant_id()
    dispatcher = build_dispatcher(redis)
    state_key, data_key, language_key = await turn_reads(_bot_id_of, fsm_keys(dispatcher))(
        tenant, CHAT
    )
    # Redis holds nothing for this chat; the turn says what was there when it was taken
    known: dict[str, str | None] = {
        state_key: "Booking:name",
        data_key: '{"held": "y"}',
        language_key: "en",
    }
    tenant_token = current_tenant.set(tenant)
    turn_token = held_turn.set(HeldTurn(CHAT, known))
    try:
        context = dispatcher.fsm.resolve_context(bot=BOT, chat_id=CHAT, user_id=CHAT)
        assert await context.get_state() == "Booking:name"
        assert await context.get_data() == {"held": "y"}

        async def from_the_database() -> str:
            raise AssertionError("the language was read with the turn")

        assert await BusinessLocales(redis).of(tenant, from_the_database) == "en"
    finally:
        held_turn.reset(turn_token)
        current_tenant.reset(tenant_token)
    assert await redis.exists(state_key, data_key, language_key) == 0


async def test_an_unknown_tenant_or_a_failing_directory_reads_nothing_with_the_turn(
    redis: Redis,
) -> None:
    dispatcher = build_dispatcher(redis)
    assert await turn_reads(_bot_id_of, fsm_keys(dispatcher))("x_unknown", CHAT) == []

    async def directory_down(_tenant_id: str) -> int | None:
        raise ConnectionError("NATS is away")

    # the handler meets the error itself (and retries); the turn is taken without reads
    assert await turn_reads(directory_down, fsm_keys(dispatcher))(unique_tenant_id(), CHAT) == []


async def test_a_language_the_turn_found_absent_is_read_from_the_database_and_kept(
    redis: Redis,
) -> None:
    tenant = unique_tenant_id()
    language_key = locale_key(tenant)
    turn_token = held_turn.set(HeldTurn(CHAT, {language_key: None}))
    try:

        async def from_the_database() -> str:
            return "ru"

        assert await BusinessLocales(redis).of(tenant, from_the_database) == "ru"
    finally:
        held_turn.reset(turn_token)
    assert await redis.get(language_key) == b"ru"  # the next update's turn reads it
    await redis.delete(language_key)
