"""What every bot handler of a tenant receives: who the tenant is and the service's dependencies.

Passed into aiogram as keyword data (`dp.feed_raw_update(bot, update, tenant=..., deps=...)`),
so handlers declare `tenant: TenantContext, deps: BookingDeps` and nothing is global.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.booking.adapters.tenant_store import PgTenantStore
from services.booking.use_cases.ports import Scope
from shared.bus import Publisher
from shared.clock import Clock
from shared.i18n import Catalog
from shared.messages import TenantConfig


@dataclass(frozen=True, slots=True)
class TenantContext:
    tenant_id: str
    config: TenantConfig
    update_id: int

    @property
    def suspended(self) -> bool:
        return self.config.status == "suspended"


@dataclass(frozen=True, slots=True)
class BookingDeps:
    pool: asyncpg.Pool
    publisher: Publisher
    clock: Clock
    texts: Catalog

    def scope(self, tenant_id: str) -> Scope:
        """What the customer use cases need for one tenant: its data, the clock, the bus."""
        return Scope(
            tenant_id=tenant_id,
            store=PgTenantStore(self.pool, tenant_id),
            clock=self.clock,
        )
