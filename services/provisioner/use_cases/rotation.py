"""Moving everything the provisioner owns to the current platform key (`rotate-secrets`).

For every tenant in the registry (deleted ones too: their row still holds a sealed token):
the sealed token is re-sealed with the current key (a compare-and-set, so a concurrent change
wins); for every tenant not deleted the `tenants` KV entry is rewritten from the registry, and
a tenant served by webhook gets `setWebhook` again with the secret derived from the current
key. Until then the gateway accepts secrets from `PLATFORM_SECRET_PREVIOUS` too, so no update
is refused in between. Running it twice changes nothing the second time but the webhooks.
A tenant whose token opens with no known key is reported, not fatal.

A business's YooKassa shop key (prepayment), sealed in its own schema, is re-sealed the same
way (compare-and-set; a key no known key opens is reported with the tenant id). Billing keeps
its own copies with each payment and re-seals them at its start, like the signups' tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from services.provisioner.ports import (
    BotSetup,
    ConsoleStore,
    Directory,
    SealedShopKeys,
    SealedTokens,
    TenantRecord,
)
from shared.crypto import Sealer, SealError

log = logging.getLogger(__name__)

PAGE = 200


@dataclass(slots=True)
class Rotated:
    tenants: int = 0
    resealed: int = 0
    webhooks: int = 0
    unreadable: list[str] = field(default_factory=list)
    shop_keys: int = 0
    unreadable_shop_keys: list[str] = field(default_factory=list)


class SecretRotation:
    def __init__(
        self,
        *,
        tokens: SealedTokens,
        directory: Directory,
        bots: BotSetup,
        store: ConsoleStore,
        sealer: Sealer,
        shop_keys: SealedShopKeys,
    ) -> None:
        self._tokens = tokens
        self._shop_keys = shop_keys
        self._directory = directory
        self._bots = bots
        self._store = store
        self._sealer = sealer

    async def rotate(self, actor: str) -> Rotated:
        """Raises TransientError when the Bot API or NATS is down (run it again)."""
        done = Rotated()
        after = ""
        while page := await self._tokens.page(after=after, limit=PAGE):
            for tenant in page:
                await self._one(tenant, done)
            after = page[-1].tenant_id
        await self._store.audit(
            actor,
            "console:rotate-secrets",
            None,
            {
                "tenants": done.tenants,
                "resealed": done.resealed,
                "webhooks": done.webhooks,
                "unreadable": done.unreadable[:50],
                "shop_keys": done.shop_keys,
                "unreadable_shop_keys": done.unreadable_shop_keys[:50],
            },
        )
        log.info("secrets rotated by %s: %s", actor, done)
        return done

    async def _one(self, tenant: TenantRecord, done: Rotated) -> None:
        done.tenants += 1
        if tenant.status != "deleted":
            await self._shop_key(tenant, done)
        try:
            fresh = self._sealer.reseal(tenant.bot_token_sealed)
        except SealError:
            log.warning("tenant %s: its token opens with no known key", tenant.tenant_id)
            done.unreadable.append(tenant.tenant_id)
            return
        if fresh is not None:
            replaced = await self._tokens.replace(tenant.tenant_id, tenant.bot_token_sealed, fresh)
            if replaced is None:  # changed meanwhile: the newer value is already current
                return
            tenant = replaced
            done.resealed += 1
        if tenant.status == "deleted":
            return
        await self._directory.put(tenant.config())
        if tenant.delivery == "webhook":
            await self._bots.configure(tenant, self._sealer.unseal(tenant.bot_token_sealed))
            done.webhooks += 1

    async def _shop_key(self, tenant: TenantRecord, done: Rotated) -> None:
        sealed = await self._shop_keys.sealed(tenant.tenant_id, tenant.db_server)
        if sealed is None:
            return
        try:
            fresh = self._sealer.reseal(sealed)
        except SealError:
            log.warning("tenant %s: its shop key opens with no known key", tenant.tenant_id)
            done.unreadable_shop_keys.append(tenant.tenant_id)
            return
        if fresh is not None and await self._shop_keys.replace(
            tenant.tenant_id, tenant.db_server, sealed, fresh
        ):
            done.shop_keys += 1
