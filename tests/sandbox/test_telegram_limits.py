"""What the Telegram emulator refuses: bad tokens, unwelcome messages, floods, forged buttons."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.client import SandboxClientError
from sandbox.telegram.testing import running_sandbox

USER = 200_001


@pytest_asyncio.fixture
async def bot_api() -> AsyncIterator[tuple[str, TelegramSandboxClient]]:
    async with running_sandbox() as url, TelegramSandboxClient(url) as client:
        yield url, client


@pytest_asyncio.fixture
async def unlimited() -> AsyncIterator[tuple[str, TelegramSandboxClient]]:
    async with running_sandbox(flood_limits=False) as url, TelegramSandboxClient(url) as client:
        yield url, client


async def send_many(bot: Bot, chat_ids: list[int]) -> list[BaseException | object]:
    sends = (bot.send_message(chat_id, f"Напоминание {n}") for n, chat_id in enumerate(chat_ids))
    return await asyncio.gather(*sends, return_exceptions=True)


def aiogram_bot(base_url: str, token: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


@pytest.mark.asyncio
async def test_unknown_and_revoked_tokens_are_unauthorized(
    bot_api: tuple[str, TelegramSandboxClient],
) -> None:
    url, client = bot_api
    made = await client.create_bot("revoked_bot", "Revoked")
    forged = aiogram_bot(url, f"{made.id}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    real = aiogram_bot(url, made.token)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await forged.get_me()
        assert (await real.get_me()).id == made.id
        await client.revoke(made)
        with pytest.raises(TelegramUnauthorizedError):
            await real.get_me()
    finally:
        await forged.session.close()
        await real.session.close()


@pytest.mark.asyncio
async def test_raw_http_errors_look_like_telegrams(
    bot_api: tuple[str, TelegramSandboxClient],
) -> None:
    url, client = bot_api
    made = await client.create_bot("raw_bot", "Raw")
    async with httpx.AsyncClient(base_url=f"{url}/bot{made.token}") as http:
        unknown = await http.post("/sendUnicorn", json={})
        assert (unknown.status_code, unknown.json()) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found"},
        )
        missing = await http.post("/sendMessage", data={"text": "hi"})
        assert missing.status_code == 400
        assert missing.json()["description"].startswith("Bad Request: ")
        no_chat = await http.get("/sendMessage", params={"chat_id": 424242, "text": "hi"})
        assert no_chat.json()["description"] == "Bad Request: chat not found"
        me = await http.get("/getMe")
        assert me.json()["result"]["username"] == "raw_bot"
    bad = await httpx.AsyncClient().get(f"{url}/bot123:nope/getMe")
    assert (bad.status_code, bad.json()["description"]) == (401, "Unauthorized")


@pytest.mark.asyncio
async def test_bot_cannot_write_first_or_after_a_block(
    bot_api: tuple[str, TelegramSandboxClient],
) -> None:
    url, client = bot_api
    first = await client.create_bot("first_bot", "First")
    other = await client.create_bot("other_bot", "Other")
    await client.send_text(first, USER, "/start")
    bot = aiogram_bot(url, other.token)
    try:
        with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
            await bot.send_message(USER, "Привет!")
        await client.send_text(other, USER, "/start")
        await bot.send_message(USER, "Привет!")
        blocked = await client.block(other, USER)
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(USER, "Вы тут?")
        updates = await bot.get_updates()
        assert updates[-1].update_id == blocked.update_id
        assert updates[-1].my_chat_member is not None
        assert updates[-1].my_chat_member.new_chat_member.status == "kicked"
    finally:
        await bot.session.close()


@pytest.mark.asyncio
async def test_a_burst_to_one_chat_gets_429(bot_api: tuple[str, TelegramSandboxClient]) -> None:
    url, client = bot_api
    made = await client.create_bot("bursty_bot", "Bursty")
    await client.send_text(made, USER, "/start")
    bot = aiogram_bot(url, made.token)
    try:
        # A chat takes a short burst of three, then one a second: the fourth is refused.
        results = await send_many(bot, [USER] * 4)
        refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
        assert len(refused) == 1
        assert refused[0].retry_after >= 1
        stats = await client.stats()
        assert stats.too_many_requests == {"bursty_bot": 1}
        assert len(await client.sent(made)) == 3  # the refused message was not sent
    finally:
        await bot.session.close()


@pytest.mark.asyncio
async def test_more_than_30_per_second_across_chats_gets_429(
    bot_api: tuple[str, TelegramSandboxClient],
) -> None:
    url, client = bot_api
    made = await client.create_bot("bulk_bot", "Bulk")
    users = [USER + n for n in range(40)]
    await asyncio.gather(*(client.send_text(made, user, "/start") for user in users))
    bot = aiogram_bot(url, made.token)
    try:
        results = await send_many(bot, users)
        refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
        assert len(results) - len(refused) <= 30
        assert refused
        assert all(r.retry_after >= 1 for r in refused)
        assert (await client.stats()).too_many_requests_total == len(refused)
    finally:
        await bot.session.close()


@pytest.mark.asyncio
async def test_no_429_with_flood_limits_off(unlimited: tuple[str, TelegramSandboxClient]) -> None:
    url, client = unlimited
    made = await client.create_bot("calm_bot", "Calm")
    users = [USER + n for n in range(40)]
    await asyncio.gather(*(client.send_text(made, user, "/start") for user in users))
    bot = aiogram_bot(url, made.token)
    try:
        results = await send_many(bot, users + [USER] * 5)
        assert not [r for r in results if isinstance(r, BaseException)]
        assert (await client.stats()).too_many_requests_total == 0
    finally:
        await bot.session.close()


@pytest.mark.asyncio
async def test_pressing_a_button_that_is_not_there(
    unlimited: tuple[str, TelegramSandboxClient],
) -> None:
    url, client = unlimited
    made = await client.create_bot("buttons_bot", "Buttons")
    await client.send_text(made, USER, "/start")
    bot = aiogram_bot(url, made.token)
    try:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="ok:1")]]
        )
        sent = await bot.send_message(USER, "Подтвердить?", reply_markup=markup)
        with pytest.raises(SandboxClientError) as refused:
            await client.press(made, USER, sent.message_id, "ok:999")
        assert refused.value.status == 409
        forged = await client.press(made, USER, sent.message_id, "ok:999", force=True)
        updates = await bot.get_updates()
        assert updates[-1].update_id == forged.update_id
        assert updates[-1].callback_query is not None
        assert updates[-1].callback_query.data == "ok:999"
        too_long = InlineKeyboardButton(text="x", callback_data="x" * 65)
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(
                USER, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[too_long]])
            )
    finally:
        await bot.session.close()


@pytest.mark.asyncio
async def test_a_crowd_marked_as_started_can_be_written_to_and_queues_no_update(
    bot_api: tuple[str, TelegramSandboxClient],
) -> None:
    url, client = bot_api
    made = await client.create_bot("crowd_bot", "Crowd")
    other = await client.create_bot("other_crowd_bot", "Other")
    crowd = [USER + n for n in range(1, 4)]
    await client.mark_started(made, crowd)
    await client.mark_started(other, [USER])  # known to Telegram, but not to this bot
    bot = aiogram_bot(url, made.token)
    try:
        await bot.send_message(crowd[0], "Акция для своих")
        with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
            await bot.send_message(USER, "А вы кто?")
        assert await bot.get_updates(timeout=0) == []
        with pytest.raises(SandboxClientError):
            await client.mark_started("nobody_bot", crowd)
    finally:
        await bot.session.close()
