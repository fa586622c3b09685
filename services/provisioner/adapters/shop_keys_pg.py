"""The businesses' sealed YooKassa shop keys (tenant table `prepay_shop`, migration 0090), for
re-sealing under a new platform key.

Each key lives in its tenant's schema on that tenant's database server. A schema without the
table (not migrated yet, or gone) has no key. `replace` is a compare-and-set on the old sealed
text, so an owner who reconnects the shop meanwhile keeps the newer value.
"""

from __future__ import annotations

from shared.db import tenant_schema
from shared.db_servers import ServerPools


class PgShopKeys:
    def __init__(self, servers: ServerPools) -> None:
        self._servers = servers

    async def sealed(self, tenant_id: str, db_server: str) -> str | None:
        schema = tenant_schema(tenant_id)
        pool = await self._servers.pool(db_server)
        async with pool.acquire() as conn:
            if await conn.fetchval("SELECT to_regclass($1)", f"{schema}.prepay_shop") is None:
                return None
            value = await conn.fetchval(
                f'SELECT secret_sealed FROM "{schema}".prepay_shop WHERE id = 1'
            )
        return None if value is None else str(value)

    async def replace(self, tenant_id: str, db_server: str, old: str, new: str) -> bool:
        pool = await self._servers.pool(db_server)
        done = await pool.execute(
            f'UPDATE "{tenant_schema(tenant_id)}".prepay_shop SET secret_sealed = $2'
            " WHERE id = 1 AND secret_sealed = $1",
            old,
            new,
        )
        return bool(done == "UPDATE 1")
