"""Retiring a deleted tenant's bot at the Bot API: its webhook removed, pending updates dropped.

(An adapter of the console's `TenantBots` port; it sits here, beside the operator's bot, only
because `adapters/bot_setup.py` belongs to another change — it can move there as is.)
"""

from __future__ import annotations

import logging

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from services.provisioner.ports import TenantRecord
from shared.crypto import Sealer
from shared.errors import TransientError
from shared.telegram import Bots

log = logging.getLogger(__name__)


class TelegramTenantBots:
    def __init__(self, bots: Bots, sealer: Sealer) -> None:
        self._bots = bots
        self._sealer = sealer

    async def retire(self, tenant: TenantRecord) -> None:
        bot = self._bots.get(self._sealer.unseal(tenant.bot_token_sealed))
        try:
            await bot.delete_webhook(drop_pending_updates=True)
        except TelegramUnauthorizedError:
            # The owner revoked the token: the bot can no longer receive anything from us.
            log.info("bot of %s is already revoked; no webhook to delete", tenant.tenant_id)
        except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as error:
            raise TransientError(f"Bot API unavailable: {type(error).__name__}") from None
        except TelegramAPIError as error:
            raise TransientError(f"Bot API refused deleteWebhook: {error.message}") from None
