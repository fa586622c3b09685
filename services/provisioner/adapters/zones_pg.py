"""`ports.ZoneStore` on Postgres: a tenant's time zone in `platform.tenants`, newest change
wins (`timezone_changed_at`, migration 0040)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.provisioner.adapters.registry_pg import TENANT_COLUMNS, tenant_record
from services.provisioner.ports import TenantRecord

_SET = f"""
UPDATE platform.tenants SET timezone = $2, timezone_changed_at = $3
WHERE tenant_id = $1 AND status <> 'deleted'
  AND (timezone_changed_at IS NULL OR timezone_changed_at <= $3)
RETURNING {TENANT_COLUMNS}
"""
_SYNCED = """
UPDATE platform.tenants SET directory_version = $2
WHERE tenant_id = $1 AND directory_version < $2
"""


class PgZones:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def set_timezone(
        self, tenant_id: str, timezone: str, *, changed_at: datetime
    ) -> TenantRecord | None:
        row = await self._pool.fetchrow(_SET, tenant_id, timezone, changed_at)
        return None if row is None else tenant_record(row)

    async def directory_synced(self, tenant_id: str, version: int) -> None:
        await self._pool.execute(_SYNCED, tenant_id, version)
