"""Starts and stops long polling for tenant bots as the tenant directory changes.

The watch is supervised (`shared.kv_watch.follow`): it is re-opened within a fraction of a
second of NATS coming back, and replays every tenant's current entry, which `Poller.start`
and `Poller.stop` take idempotently.
"""

from __future__ import annotations

import logging

from nats.aio.client import Client
from nats.js.kv import KeyValue

from services.gateway.adapters.polling import Poller
from services.gateway.ports import BotRoute
from shared.crypto import Sealer, SealError
from shared.errors import PoisonMessage
from shared.kv_watch import follow
from shared.messages import TenantConfig, decode
from shared.subjects import tg_update

log = logging.getLogger(__name__)


async def follow_polled_tenants(
    kv: KeyValue, poller: Poller, sealer: Sealer, connection: Client
) -> None:
    """Runs until cancelled: every tenant whose delivery is `polling` is polled while active."""

    async def apply(entry: KeyValue.Entry) -> None:
        tenant_id = entry.key
        if not entry.value or entry.operation in {"DEL", "PURGE"}:
            poller.stop(tenant_id)
            return
        try:
            config = decode(TenantConfig, entry.value)
        except PoisonMessage:
            log.exception("unreadable tenant entry %s", tenant_id)
            return
        if config.delivery == "polling" and config.status != "deleted":
            try:
                token = sealer.unseal(config.bot_token_sealed)
            except SealError:
                log.error(  # noqa: TRY400 - the traceback says nothing more
                    "the token of tenant %s does not open with this platform key", tenant_id
                )
                return
            poller.start(BotRoute(tenant_id, tg_update(tenant_id), token))
        else:
            poller.stop(tenant_id)

    await follow(connection, kv.watchall, apply, name="polled tenants")
