"""Asking the Bot API who a BotFather token belongs to (`getMe`), through the shared session.

The token is a secret: it goes only into the request, never into a log line or an error.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.utils.token import TokenValidationError

from services.billing.ports import BotIdentity
from shared.errors import TransientError


class TelegramBotTokens:
    def __init__(self, session: AiohttpSession, *, timeout: float = 10.0) -> None:
        self._session = session
        self._timeout = timeout

    async def identify(self, token: str) -> BotIdentity | None:
        try:
            bot = Bot(token, session=self._session)
        except TokenValidationError:
            return None
        try:
            me = await bot.get_me(request_timeout=int(self._timeout))
        except (TelegramUnauthorizedError, TelegramNotFound):
            return None
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter):
            raise TransientError("the Bot API did not answer getMe") from None
        if not me.is_bot:
            return None
        return BotIdentity(bot_id=me.id, username=me.username or "")
