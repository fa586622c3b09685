"""aiogram Bot objects for many bots over one shared HTTP session (real Bot API or the sandbox)."""

from __future__ import annotations

from collections import OrderedDict

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from shared.settings import Secret, TelegramSettings


def make_session(settings: TelegramSettings, *, limit: int = 200) -> AiohttpSession:
    if settings.is_sandbox:
        return AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base), limit=limit)
    return AiohttpSession(limit=limit)


class Bots:
    """`Bot` objects by token, sharing one session; bounded so memory does not grow per tenant."""

    def __init__(self, session: AiohttpSession, *, max_size: int = 2048) -> None:
        self._session = session
        self._max_size = max_size
        self._bots: OrderedDict[str, Bot] = OrderedDict()
        self._defaults = DefaultBotProperties(parse_mode=ParseMode.HTML)

    def get(self, token: Secret) -> Bot:
        key = token.reveal()
        bot = self._bots.get(key)
        if bot is None:
            bot = Bot(key, session=self._session, default=self._defaults)
            self._bots[key] = bot
            if len(self._bots) > self._max_size:
                self._bots.popitem(last=False)
        else:
            self._bots.move_to_end(key)
        return bot

    async def close(self) -> None:
        self._bots.clear()
        await self._session.close()
