"""Bringing a tenant's bot to life through the Bot API: webhook (or polling), menu, description.

`configure` (the webhook, or its removal for polling) is what makes the bot serve customers;
`decorate` (the command menu and the description) is optional and may fail on its own: a Bot
API outage is a `TransientError` (retried later), a refusal other than a revoked token is a
`PoisonMessage` (retrying cannot help; it goes to the dead letters for an operator).
"""

from __future__ import annotations

import asyncio
import logging

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand

from services.provisioner.ports import TenantRecord
from shared.crypto import Sealer
from shared.errors import PoisonMessage, TransientError
from shared.settings import Secret
from shared.telegram import Bots

log = logging.getLogger(__name__)

CUSTOMER_COMMANDS = (
    BotCommand(command="start", description="Главное меню"),
    BotCommand(command="book", description="Записаться"),
    BotCommand(command="my", description="Мои записи"),
    BotCommand(command="about", description="О нас: адрес, часы, услуги"),
    BotCommand(command="admin", description="Для владельца и сотрудников"),
)


class TelegramBotSetup:
    def __init__(self, bots: Bots, sealer: Sealer, *, gateway_public_url: str | None) -> None:
        self._bots = bots
        self._sealer = sealer
        self._public_url = gateway_public_url

    async def configure(self, tenant: TenantRecord, token: Secret) -> None:
        bot = self._bots.get(token)
        try:
            if tenant.delivery == "webhook" and self._public_url:
                await bot.set_webhook(
                    url=f"{self._public_url}/tg/{tenant.tenant_id}",
                    secret_token=self._sealer.webhook_secret(tenant.tenant_id),
                    allowed_updates=["message", "callback_query"],
                )
            else:
                await bot.delete_webhook(drop_pending_updates=False)
        except (TelegramNetworkError, TelegramRetryAfter) as error:
            raise TransientError(f"Bot API unavailable: {type(error).__name__}") from None
        except TelegramAPIError as error:
            # A revoked token or similar: retried, then dead-lettered for the operator.
            raise TransientError(f"Bot API refused setup: {error.message}") from None

    async def decorate(self, tenant: TenantRecord, token: Secret) -> None:
        bot = self._bots.get(token)
        try:
            await asyncio.gather(
                bot.set_my_commands(list(CUSTOMER_COMMANDS)),
                bot.set_my_description(
                    f"{tenant.business_name}: онлайн-запись. Нажмите «Старт», чтобы записаться."
                ),
            )
        except TelegramUnauthorizedError:
            log.info("bot of %s is revoked; its menu is no longer ours to set", tenant.tenant_id)
        except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as error:
            raise TransientError(f"Bot API unavailable: {type(error).__name__}") from None
        except TelegramAPIError as error:
            raise PoisonMessage(f"Bot API refused the menu: {error.message}") from None
