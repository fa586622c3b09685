"""Pointing the platform's own bots (sales, operator) at the gateway when it has a public URL.

Tenant bots get their webhook from the provisioner when they are created; the platform's bots
exist before any tenant, so the gateway registers them itself on start.
"""

from __future__ import annotations

import logging

import httpx

from services.gateway.ports import BotRoute
from shared.crypto import Sealer

log = logging.getLogger(__name__)


async def register_platform_webhooks(
    routes: list[BotRoute], *, api_base: str, public_url: str, sealer: Sealer
) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        for route in routes:
            if route.token is None:
                continue
            response = await client.post(
                f"{api_base}/bot{route.token.reveal()}/setWebhook",
                json={
                    "url": f"{public_url}/tg/{route.bot_key}",
                    "secret_token": sealer.webhook_secret(route.bot_key),
                    "allowed_updates": ["message", "callback_query", "my_chat_member"],
                },
            )
            if response.status_code != 200:
                log.error(
                    "the Bot API refused the %s bot's webhook (%d): %s",
                    route.bot_key,
                    response.status_code,
                    response.text[:200],
                )
            else:
                log.info("the %s bot's updates come by webhook", route.bot_key)
