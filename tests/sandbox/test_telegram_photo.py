"""sendPhoto in the Telegram emulator: a multipart upload kept as a file, its size read from the
picture, shown in the chat view and the sent log, resent by file_id; not-a-picture refused."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile
from PIL import Image

from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.client import SandboxClientError
from sandbox.telegram.testing import running_sandbox

USER = 100_002


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[str]:
    async with running_sandbox(flood_limits=False) as url:
        yield url


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.asyncio
async def test_send_photo_uploads_stores_and_shows_the_picture(sandbox: str) -> None:
    async with TelegramSandboxClient(sandbox) as client:
        made = await client.create_bot("photo_test_bot", "Фото")
        bot = Bot(made.token, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox)))
        try:
            await client.send_text(made, USER, "/start", first_name="Анна")
            picture = png(320, 200)
            sent = await bot.send_photo(
                USER, BufferedInputFile(picture, filename="chart.png"), caption="График"
            )
            assert sent.photo is not None
            (size,) = sent.photo
            assert (size.width, size.height, size.file_size) == (320, 200, len(picture))
            assert sent.caption == "График"
            assert await client.file(size.file_id) == picture

            again = await bot.send_photo(USER, size.file_id)  # a known file_id is resent
            assert again.photo is not None
            assert again.photo[0].file_id == size.file_id

            with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
                await bot.send_photo(USER, BufferedInputFile(b"not a picture", filename="x.png"))
            with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
                await bot.send_photo(USER, "no-such-file-id")

            chat = await client.chat(made, USER)
            shown = [m for m in chat.messages if m.photo]
            assert [m.caption for m in shown] == ["График", None]
            assert shown[0].photo is not None
            assert shown[0].photo[0].width == 320
            log = await client.sent(made, chat_id=USER)
            assert [item.method for item in log] == ["sendPhoto", "sendPhoto"]
        finally:
            await bot.session.close()


@pytest.mark.asyncio
async def test_a_user_sends_a_photo_with_a_caption(sandbox: str) -> None:
    async with TelegramSandboxClient(sandbox) as client:
        made = await client.create_bot("photo_user_bot", "Фото")
        bot = Bot(made.token, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox)))
        try:
            picture = png(120, 80)
            await client.send_photo(made, USER, picture, caption="Новый зал", first_name="Анна")
            (update,) = await bot.get_updates(timeout=5)
            message = update.message
            assert message is not None
            assert message.photo is not None
            assert message.caption == "Новый зал"
            assert message.from_user is not None
            assert message.from_user.id == USER
            (size,) = message.photo
            assert (size.width, size.height, size.file_size) == (120, 80, len(picture))
            assert await client.file(size.file_id) == picture

            resent = await bot.send_photo(USER, size.file_id, caption="Новый зал")  # as a bot
            assert resent.photo is not None
            assert resent.photo[0].file_id == size.file_id
            chat = await client.chat(made, USER)
            assert [(m.from_bot, m.caption) for m in chat.messages if m.photo] == [
                (False, "Новый зал"),
                (True, "Новый зал"),
            ]

            with pytest.raises(SandboxClientError, match="IMAGE_PROCESS_FAILED"):
                await client.send_photo(made, USER, b"not a picture")
        finally:
            await bot.session.close()
