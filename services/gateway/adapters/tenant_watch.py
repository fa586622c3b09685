"""Starts and stops long polling for tenant bots as the tenant directory changes."""

from __future__ import annotations

import logging

from nats.js.kv import KeyValue

from services.gateway.adapters.polling import Poller
from services.gateway.ports import BotRoute
from shared.crypto import Sealer, SealError
from shared.errors import PoisonMessage
from shared.messages import TenantConfig, decode
from shared.subjects import tg_update

log = logging.getLogger(__name__)


async def follow_polled_tenants(kv: KeyValue, poller: Poller, sealer: Sealer) -> None:
    """Runs until cancelled: every tenant whose delivery is `polling` is polled while active."""
    watcher = await kv.watchall()
    async for entry in watcher:
        if entry is None:  # end of the initial values
            continue
        tenant_id = entry.key
        if not entry.value or entry.operation in {"DEL", "PURGE"}:
            poller.stop(tenant_id)
            continue
        try:
            config = decode(TenantConfig, entry.value)
        except PoisonMessage:
            log.exception("unreadable tenant entry %s", tenant_id)
            continue
        if config.delivery == "polling" and config.status != "deleted":
            try:
                token = sealer.unseal(config.bot_token_sealed)
            except SealError:
                log.error(  # noqa: TRY400 - the traceback says nothing more
                    "the token of tenant %s does not open with this platform key", tenant_id
                )
                continue
            poller.start(BotRoute(tenant_id, tg_update(tenant_id), token))
        else:
            poller.stop(tenant_id)
