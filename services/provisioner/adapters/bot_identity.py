"""Who a bot token belongs to, asked of the Bot API (`getMe`)."""

from __future__ import annotations

from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.utils.token import TokenValidationError

from services.provisioner.ports import BotIdentity
from shared.errors import RuleViolation, TransientError
from shared.settings import Secret
from shared.telegram import Bots


class TelegramBotIdentity:
    def __init__(self, bots: Bots) -> None:
        self._bots = bots

    async def identify(self, token: Secret) -> BotIdentity:
        """Raises RuleViolation("bad_token") when Telegram does not know the token,
        TransientError when the Bot API cannot be asked now."""
        try:
            me = await self._bots.get(token).get_me()
        except (TokenValidationError, TelegramUnauthorizedError):
            raise RuleViolation("bad_token") from None
        except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as error:
            raise TransientError(f"Bot API unavailable: {type(error).__name__}") from None
        if not me.is_bot or not me.username:
            raise RuleViolation("bad_token")
        return BotIdentity(bot_id=me.id, username=me.username, name=me.first_name)
