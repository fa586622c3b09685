"""Small pieces every sales-bot router uses: the buyer's language, editing in place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject, User

from services.billing.bot.deps import SalesDeps

_NOT_MODIFIED = "message is not modified"


class LocaleMiddleware(BaseMiddleware):
    """Puts `locale` (ru unless the user's Telegram is in a language we have) into the data."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        deps: SalesDeps = data["sales"]
        user: User | None = data.get("event_from_user")
        data["locale"] = deps.texts.locale_for(user.language_code if user else None)
        return await handler(event, data)


async def show(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message's text and buttons (or send a new one if it is gone).
    The same button pressed twice shows the same screen: Telegram's "not modified" is fine."""
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as error:
            if _NOT_MODIFIED not in error.message:
                raise
    elif callback.from_user:
        bot = callback.bot
        if bot is not None:
            await bot.send_message(callback.from_user.id, text, reply_markup=markup)
    await callback.answer()


def user_id(event: Message | CallbackQuery) -> int:
    """The acting user (the buyer); private chats only, so it is also the chat."""
    if event.from_user is None:
        raise LookupError("an update without a user reached the sales bot")
    return event.from_user.id
