"""A Telegram user in one bot's chat, driven through the emulator: send, press, and wait for
what the bot shows (new messages or edits), without sleeps."""

from __future__ import annotations

import asyncio
import random

from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage, SandboxBot

WAIT = 15.0


class ChatUser:
    def __init__(
        self,
        telegram: TelegramSandboxClient,
        bot: SandboxBot | str,
        *,
        user_id: int | None = None,
        first_name: str = "Анна",
        language: str | None = None,
    ) -> None:
        self.telegram = telegram
        self.bot = bot
        self.id = user_id if user_id is not None else random.randint(10**9, 2 * 10**9)
        self.first_name = first_name
        self.language = language
        self.seen_id = 0
        self.seen_version = 0

    async def send(self, text: str) -> None:
        await self.telegram.send_text(
            self.bot, self.id, text, first_name=self.first_name, language_code=self.language
        )

    async def share_contact(self, phone: str) -> None:
        await self.telegram.share_contact(self.bot, self.id, phone, first_name=self.first_name)

    async def press(self, message: ChatMessage, button: str) -> None:
        data = message.button(button).callback_data
        assert data is not None, f"{button!r} is not a callback button"
        await self.telegram.press(self.bot, self.id, message.message_id, data)

    async def press_data(self, message: ChatMessage, data: str) -> None:
        """A crafted press: a client can send any callback data."""
        await self.telegram.press(self.bot, self.id, message.message_id, data, force=True)

    async def expect(self, fragment: str, *, wait: float = WAIT) -> ChatMessage:
        """The bot's next new or edited message containing `fragment` (TimeoutError if none)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            found = await self.telegram.wait_for_message(
                self.bot,
                self.id,
                after_message_id=self.seen_id,
                after_version=self.seen_version,
                timeout=max(deadline - loop.time(), 0.1),
            )
            self.seen_id = max([self.seen_id, *(m.message_id for m in found)])
            self.seen_version = max([self.seen_version, *(m.version for m in found)])
            matching = [m for m in found if fragment in (m.text or "")]
            if matching:
                return matching[-1]
            if loop.time() > deadline:
                raise TimeoutError(f"no bot message with {fragment!r}; got {found}")
