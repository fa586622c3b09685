"""What every bot handler of a tenant receives: who the tenant is and the service's dependencies.

Passed into aiogram as keyword data (`dp.feed_raw_update(bot, update, tenant=..., deps=...)`),
so handlers declare `tenant: TenantContext, deps: BookingDeps` and nothing is global.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.booking.adapters.tenant_store import PgTenantStore
from services.booking.use_cases.ports import Scope
from services.booking.use_cases.prepay.owner import Sealing, ShopChecker
from shared.bus import Publisher
from shared.clock import Clock
from shared.db_servers import MAIN_DATABASE_SERVER, ServerPools, UnknownServer
from shared.i18n import Catalog
from shared.messages import TenantConfig


@dataclass(frozen=True, slots=True)
class TenantContext:
    tenant_id: str
    config: TenantConfig
    update_id: int
    sequence: int = 0  # the update's place in the TG stream (0: unknown), to erase a secret

    @property
    def suspended(self) -> bool:
        return self.config.status == "suspended"


@dataclass(frozen=True, slots=True)
class PrepayDeps:
    """Prepayment's outside world: YooKassa (to check a shop's keys), the sealer (the keys are
    sealed at once) and billing's public URL (what the owner sets as the shop's webhook)."""

    checker: ShopChecker
    sealer: Sealing
    webhook_base_url: str

    def webhook_url(self, tenant_id: str) -> str:
        return f"{self.webhook_base_url.rstrip('/')}/webhooks/yookassa/t/{tenant_id}"


@dataclass(frozen=True, slots=True)
class BookingDeps:
    pool: asyncpg.Pool
    publisher: Publisher
    clock: Clock
    texts: Catalog
    servers: ServerPools | None = None  # tenants on other database servers (db_servers.py)
    prepay: PrepayDeps | None = None  # None: «Предоплата» cannot connect a shop

    def tenant_pool(self, server: str = MAIN_DATABASE_SERVER) -> asyncpg.Pool:
        """The pool of the database server that holds a tenant's schema."""
        if self.servers is not None:
            return self.servers.for_tenant(server)
        if server != MAIN_DATABASE_SERVER:
            raise UnknownServer(server)
        return self.pool

    def pool_of(self, tenant: TenantContext) -> asyncpg.Pool:
        """The pool of the server holding this update's tenant (every tenant store uses it)."""
        return self.tenant_pool(tenant.config.db_server)

    def scope(self, tenant_id: str, server: str) -> Scope:
        """What the customer use cases need for one tenant: its data, the clock, the bus."""
        return Scope(
            tenant_id=tenant_id,
            store=PgTenantStore(self.tenant_pool(server), tenant_id),
            clock=self.clock,
        )
