"""What a Bot API method handler gets to work with, and the checks every sending method shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox.telegram.config import TelegramSandboxConfig
from sandbox.telegram.delivery import UpdateDispatcher
from sandbox.telegram.errors import bad_request, forbidden
from sandbox.telegram.flood import FloodControl
from sandbox.telegram.params import ChatId, Upload, chat_id_of
from sandbox.telegram.state import Bot, ChatEntry, ChatLog, SandboxState, UserProfile


@dataclass(frozen=True, slots=True)
class Services:
    """The emulator's parts, one set per app instance."""

    config: TelegramSandboxConfig
    state: SandboxState
    flood: FloodControl
    dispatcher: UpdateDispatcher


@dataclass(frozen=True, slots=True)
class MethodContext:
    services: Services
    bot: Bot
    uploads: dict[str, Upload]

    @property
    def state(self) -> SandboxState:
        return self.services.state

    def private_chat(self, chat_id: ChatId | None) -> tuple[UserProfile, ChatLog]:
        """The chat a bot may write to, or Telegram's 400/403 for why it may not."""
        user = self.state.users.get(chat_id_of(chat_id))
        if user is None:
            raise bad_request("chat not found")
        if user.id in self.bot.blocked:
            raise forbidden("bot was blocked by the user")
        if user.id not in self.bot.started:
            raise forbidden("bot can't initiate conversation with a user")
        return user, self.bot.chat(user.id)

    def bot_message(self, chat_id: ChatId | None, message_id: int | None, verb: str) -> ChatEntry:
        """A message of this bot to edit or delete, or ``message to <verb> not found``."""
        if message_id is None:
            raise bad_request("message identifier is not specified")
        _, chat = self.private_chat(chat_id)
        entry = chat.messages.get(message_id)
        if entry is None:
            raise bad_request(f"message to {verb} not found")
        if not entry.from_bot and verb == "edit":
            raise bad_request("message can't be edited")
        return entry

    def acquire_send(self, chat_id: int, *, edit: bool = False) -> None:
        if edit and not self.services.config.count_edits_per_chat:
            return
        self.services.flood.acquire(self.bot.id, chat_id, counts_for_bot=not edit)


Handler = Callable[[MethodContext, dict[str, Any]], Awaitable[object]]
