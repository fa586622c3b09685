"""Sending one delivery with aiogram: the right bot's token; Telegram's answer as a `SendResult`.

A tenant's token comes from the tenant directory (NATS KV), unsealed with the platform key (each
sealed value opened once and kept in a small bounded cache: unsealing costs more than the rest of
a send's own work, and a rotated token is a new sealed value); the sales bot's from settings.
Tokens are never logged. Every Bot API call carries an explicit
`request_timeout` (the dispatcher keeps it below the row's lease); a call that times out is a
`Transient` answer.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardMarkup

from services.notifier.ports import (
    Blocked,
    Claimed,
    Inactive,
    Rejected,
    RetryAfter,
    SendResult,
    Sent,
    TenantProfile,
    Transient,
)
from shared.crypto import Sealer, SealError
from shared.settings import Secret
from shared.telegram import Bots
from shared.tenants import TenantDirectory

log = logging.getLogger(__name__)
_SENDS_TO = frozenset({"active", "grace"})
TOKEN_CACHE_SIZE = 2048  # about as many bots as `Bots` keeps


class _Unsealed:
    """Sealed token -> token, least recently used first out; never more than `size` entries."""

    def __init__(self, sealer: Sealer, size: int = TOKEN_CACHE_SIZE) -> None:
        self._sealer = sealer
        self._size = size
        self._tokens: OrderedDict[str, Secret] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tokens)

    def open(self, sealed: str) -> Secret:
        """The token; raises `SealError` (and remembers nothing) when it does not unseal."""
        token = self._tokens.get(sealed)
        if token is not None:
            self._tokens.move_to_end(sealed)
            return token
        token = self._sealer.unseal(sealed)
        self._tokens[sealed] = token
        if len(self._tokens) > self._size:
            self._tokens.popitem(last=False)
        return token


class TelegramSender:
    def __init__(
        self,
        *,
        bots: Bots,
        directory: TenantDirectory,
        sealer: Sealer,
        sales_token: Secret,
        request_timeout: float = 15.0,
    ) -> None:
        self._timeout = max(1, math.floor(request_timeout))
        self._bots = bots
        self._directory = directory
        self._unsealed = _Unsealed(sealer)
        self._sales_token = sales_token

    async def send(self, row: Claimed) -> SendResult:
        token = await self._token(row)
        if not isinstance(token, Secret):
            return token
        markup = InlineKeyboardMarkup.model_validate(row.reply_markup) if row.reply_markup else None
        bot = self._bots.get(token)
        try:
            message = await bot.send_message(
                chat_id=row.chat_id,
                text=row.text,
                reply_markup=markup,
                request_timeout=self._timeout,
            )
        except TelegramRetryAfter as error:
            return RetryAfter(float(error.retry_after))
        except TelegramForbiddenError as error:
            return Blocked(error.message)
        except (TelegramServerError, TelegramNetworkError) as error:
            return Transient(f"{type(error).__name__}: {error.message}")
        except (TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError) as error:
            return Rejected(f"{type(error).__name__}: {error.message}")
        return Sent(message.message_id)

    async def _token(self, row: Claimed) -> Secret | SendResult:
        if row.via == "sales":
            return self._sales_token if self._sales_token else Rejected("no SALES_BOT_TOKEN set")
        config = await self._directory.get(row.tenant_id)
        if config is None:
            return Inactive("tenant unknown")
        if config.status not in _SENDS_TO:
            return Inactive(f"tenant {config.status}")
        try:
            return self._unsealed.open(config.bot_token_sealed)
        except SealError:
            return Rejected("the tenant's bot token does not unseal")


class DirectoryProfiles:
    """`TenantProfiles` over the tenant directory: the tenant's zone and language, if known."""

    def __init__(self, directory: TenantDirectory) -> None:
        self._directory = directory

    async def get(self, tenant_id: str) -> TenantProfile | None:
        config = await self._directory.get(tenant_id)
        if config is None:
            return None
        return TenantProfile(timezone=config.timezone, locale=config.locale)
