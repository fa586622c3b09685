"""The Telegram emulator through real HTTP: aiogram as the bot, the control API as the user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import BotCommand, BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from litestar import Litestar, Request, post

from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.testing import running_sandbox, serve_asgi

USER = 100_001


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[str]:
    async with running_sandbox(flood_limits=False, webhook_retry_base=0.05) as url:
        yield url


@pytest_asyncio.fixture
async def client(sandbox: str) -> AsyncIterator[TelegramSandboxClient]:
    async with TelegramSandboxClient(sandbox) as client:
        yield client


def aiogram_bot(base_url: str, token: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=text, callback_data=data)] for text, data in pairs]
    return InlineKeyboardMarkup(inline_keyboard=rows)


@pytest.mark.asyncio
async def test_conversation_through_aiogram(sandbox: str, client: TelegramSandboxClient) -> None:
    made = await client.create_bot("salon_anna_bot", "Салон Анна")
    assert await client.create_bot("salon_anna_bot") == made  # idempotent by username
    bot = aiogram_bot(sandbox, made.token)
    try:
        me = await bot.get_me()
        assert (me.id, me.username, me.is_bot) == (made.id, "salon_anna_bot", True)

        polling = asyncio.create_task(bot.get_updates(timeout=20))
        delivery = await client.send_text(made, USER, "/start promo", first_name="Анна")
        (update,) = await asyncio.wait_for(polling, timeout=5)  # returns as soon as it arrives
        assert delivery.delivery == "queued"
        assert update.update_id == delivery.update_id
        assert update.message is not None
        assert update.message.text == "/start promo"
        assert update.message.entities is not None
        assert update.message.entities[0].type == "bot_command"

        sent = await bot.send_message(
            USER,
            "<b>Здравствуйте!</b> Выберите услугу:",
            parse_mode="HTML",
            reply_markup=keyboard(("Стрижка", "svc:1"), ("Маникюр", "svc:2")),
        )
        assert sent.text == "Здравствуйте! Выберите услугу:"
        (shown,) = await client.wait_for_message(
            made, USER, after_message_id=update.message.message_id
        )
        assert shown.button("Маникюр").callback_data == "svc:2"

        await client.press(made, USER, sent.message_id, "svc:2")
        (pressed,) = await bot.get_updates(offset=update.update_id + 1, timeout=5)
        query = pressed.callback_query
        assert query is not None
        assert query.data == "svc:2"
        assert query.from_user.id == USER
        assert query.message is not None
        assert query.message.message_id == sent.message_id
        await bot.answer_callback_query(query.id, text="Выбрано")
        answers = await client.callback_answers(made, chat_id=USER)
        assert [a.text for a in answers] == ["Выбрано"]
        async with httpx.AsyncClient(base_url=sandbox) as http:  # what the chat page shows
            view = (await http.get(f"/sandbox/bots/{made.username}/chats/{USER}/messages")).json()
        assert [(n["text"], n["show_alert"]) for n in view["notices"]] == [("Выбрано", False)]

        await bot.edit_message_text(
            "Маникюр — когда?",
            chat_id=USER,
            message_id=sent.message_id,
            reply_markup=keyboard(("Завтра", "day:1")),
        )
        (edited,) = await client.wait_for_message(made, USER, after_message_id=sent.message_id)
        assert (edited.message_id, edited.text, edited.edited) == (
            sent.message_id,
            "Маникюр — когда?",
            True,
        )
        assert edited.button_texts == ["Завтра"]
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text(
                "Маникюр — когда?",
                chat_id=USER,
                message_id=sent.message_id,
                reply_markup=keyboard(("Завтра", "day:1")),
            )
        with pytest.raises(TelegramBadRequest, match="message to edit not found"):
            await bot.edit_message_text("x", chat_id=USER, message_id=999)

        commands = [
            BotCommand(command="start", description="Начать"),
            BotCommand(command="book", description="Записаться"),
        ]
        assert await bot.set_my_commands(commands)
        assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
            ("start", "Начать"),
            ("book", "Записаться"),
        ]

        document = await bot.send_document(
            USER, BufferedInputFile("чек".encode(), filename="check.txt")
        )
        assert document.document is not None
        assert document.document.file_name == "check.txt"
        assert await client.file(document.document.file_id) == "чек".encode()

        chat = await client.chat(made, USER)
        assert [m.from_bot for m in chat.messages] == [False, True, True]
        log = await client.sent(made, chat_id=USER)
        assert [item.method for item in log] == [
            "sendMessage",
            "answerCallbackQuery",
            "editMessageText",
            "sendDocument",
        ]
        assert log[0].message is not None
        assert log[0].message.text == "Здравствуйте! Выберите услугу:"
    finally:
        await bot.session.close()


class Receiver:
    """A webhook endpoint that answers the given statuses in turn and keeps what it got."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: asyncio.Queue[tuple[dict[str, Any], str | None]] = asyncio.Queue()

    def app(self, _: str) -> Litestar:
        @post("/hook", status_code=200)
        async def hook(request: Request[Any, Any, Any]) -> dict[str, bool]:
            secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
            await self.received.put((await request.json(), secret))
            status = self.statuses.pop(0) if self.statuses else 200
            if status != 200:
                from litestar.exceptions import HTTPException

                raise HTTPException(status_code=status)
            return {"ok": True}

        return Litestar([hook])

    async def next(self) -> tuple[dict[str, Any], str | None]:
        return await asyncio.wait_for(self.received.get(), timeout=5)


@pytest.mark.asyncio
async def test_webhook_delivery_secret_and_retry(
    sandbox: str, client: TelegramSandboxClient
) -> None:
    made = await client.create_bot("hooked_bot", "Hooked")
    receiver = Receiver([500])
    bot = aiogram_bot(sandbox, made.token)
    try:
        async with serve_asgi(receiver.app) as hook_base:
            assert await bot.set_webhook(f"{hook_base}/hook", secret_token="s3cret_t0ken")
            with pytest.raises(TelegramConflictError, match="webhook is active"):
                await bot.get_updates()

            first = await client.send_text(made, USER, "/start")
            assert (first.delivery, first.webhook_status) == ("webhook", 500)
            second = await client.send_text(made, USER, "второе")
            assert second.webhook_status is None  # waits behind the failed one, in order

            bodies = [await receiver.next() for _ in range(3)]
            assert [body["update_id"] for body, _ in bodies] == [
                first.update_id,
                first.update_id,
                second.update_id,
            ]
            assert {secret for _, secret in bodies} == {"s3cret_t0ken"}
            assert bodies[2][0]["message"]["text"] == "второе"

            third = await client.send_text(made, USER, "третье")
            assert (third.delivery, third.webhook_status) == ("webhook", 200)
            assert (await receiver.next())[0]["message"]["text"] == "третье"
            info = await bot.get_webhook_info()
            assert info.url == f"{hook_base}/hook"
            assert info.pending_update_count == 0
            assert info.last_error_message is not None
            assert "500" in info.last_error_message

            stats = await client.stats()
            assert stats.updates_delivered == 3
            assert stats.webhook_failures == 1
    finally:
        await bot.session.close()
