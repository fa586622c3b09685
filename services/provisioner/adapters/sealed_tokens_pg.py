"""The registry's sealed bot tokens, page by page, and replacing one re-sealed value.

`replace` is a compare-and-set on the old sealed text, so a rotation that races a provisioning
(or a second rotation) never overwrites a newer value.
"""

from __future__ import annotations

import asyncpg

from services.provisioner.adapters.registry_pg import TENANT_COLUMNS, tenant_record
from services.provisioner.ports import TenantRecord


class PgSealedTokens:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def page(self, *, after: str, limit: int) -> list[TenantRecord]:
        """Every tenant (deleted ones too), by tenant id, after `after`."""
        rows = await self._pool.fetch(
            f"SELECT {TENANT_COLUMNS} FROM platform.tenants WHERE tenant_id > $1"
            " ORDER BY tenant_id LIMIT $2",
            after,
            limit,
        )
        return [tenant_record(row) for row in rows]

    async def replace(self, tenant_id: str, old: str, new: str) -> TenantRecord | None:
        """The updated record, or None when the stored value is no longer `old`."""
        row = await self._pool.fetchrow(
            "UPDATE platform.tenants SET bot_token_sealed = $3"
            " WHERE tenant_id = $1 AND bot_token_sealed = $2"
            f" RETURNING {TENANT_COLUMNS}",
            tenant_id,
            old,
            new,
        )
        return None if row is None else tenant_record(row)
