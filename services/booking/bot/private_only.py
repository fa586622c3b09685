"""Tenant bots serve private chats only.

A message from a group, supergroup or channel (the bot was added there) gets no answer at all,
so no menu, booking or customer's phone number is ever posted where others read; a button
pressed under such a message is answered empty (its spinner stops) and does nothing. Nothing
is recorded for such an update: this middleware runs before every other one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, Message, TelegramObject, Update

log = logging.getLogger(__name__)


def _chat(update: Update) -> Chat | None:
    for message in (update.message, update.edited_message, update.channel_post):
        if message is not None:
            return message.chat
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        return query.message.chat
    return None


class PrivateChatsOnly(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        chat = _chat(event)
        if event.channel_post is None and (chat is None or chat.type == ChatType.PRIVATE):
            return await handler(event, data)
        log.info("ignored an update from a %s chat", chat.type if chat else "channel")
        if event.callback_query is not None:
            await event.callback_query.answer()
        return None
