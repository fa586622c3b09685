"""Bots of this platform talk in private chats only.

`PrivateChatsOnly` is an update-level outer middleware: an update from a group, a supergroup
or a channel (a message, a button under a message there, a membership change) is dropped
before any handler runs, so nothing a business or a buyer says in private (names, phone
numbers, tokens) is ever posted to a group, and the update is acked as handled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject


class PrivateChatsOnly(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type != ChatType.PRIVATE:
            return None
        return await handler(event, data)
