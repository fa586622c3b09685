"""aiogram Bot objects for many bots over one shared HTTP session (real Bot API or the sandbox).

Every Bot API call has a timeout (`REQUEST_TIMEOUT_SECONDS`) well below a consumer's
`ack_wait`, so a hung call fails and is retried instead of outliving its message. Answering a
callback query that was already answered (a redelivered update doing its work again) counts
as done: Telegram's 400 "query is too old ... or query ID is invalid" is not an error there.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import cast

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType

from shared.settings import Secret, TelegramSettings

REQUEST_TIMEOUT_SECONDS = 20.0
_STALE_QUERY = ("query is too old", "query id is invalid")


class WaitOnFloodControl(BaseRequestMiddleware):
    """An interactive reply that meets a short 429 waits `retry_after` and goes again.

    Telegram tolerates short bursts in a chat but not always; a person who taps quickly should
    get a reply a second later, not an error (nor a redelivered update doing its work twice).
    Long waits are still raised: those are for the caller to schedule.
    """

    def __init__(self, *, max_wait_seconds: float = 5.0, attempts: int = 3) -> None:
        self._max_wait = max_wait_seconds
        self._attempts = attempts

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == self._attempts or error.retry_after > self._max_wait:
                    raise
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover


class TolerateAnsweredCallback(BaseRequestMiddleware):
    """`answerCallbackQuery` for a query already answered (or expired) is done, not an error.

    A handler that committed its change and answered, then failed later (or was redelivered
    after a crash), answers the same query again on the next delivery; retrying that into the
    dead letters would be wrong, the person already saw the answer or the button's result.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if isinstance(method, AnswerCallbackQuery) and any(
                phrase in error.message.lower() for phrase in _STALE_QUERY
            ):
                return cast("Response[TelegramType]", Response[bool](ok=True, result=True))
            raise


def make_session(
    settings: TelegramSettings, *, limit: int = 200, interactive: bool = True
) -> AiohttpSession:
    """One HTTP session for all bots. `interactive` sessions wait out short flood limits;
    the notifier's (bulk) session does not: it has its own limiter and schedules retries."""
    if settings.is_sandbox:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.api_base),
            limit=limit,
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
    else:
        session = AiohttpSession(limit=limit, timeout=REQUEST_TIMEOUT_SECONDS)
    session.middleware(TolerateAnsweredCallback())
    if interactive:
        session.middleware(WaitOnFloodControl())
    return session


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
