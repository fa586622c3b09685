"""Moving a tenant's schema to another database server, with the tenant backup's dump and
restore (shared/backup_tenant.py).

1. `fence`: on the source, the tenant role loses INSERT/UPDATE/DELETE on its tables and the
   transaction waits (SHARE lock) for writers already inside; reads go on. A booking written
   during the move is refused there, and booking retries the update (it nacks), so it lands on
   the target once the directory says so.
2. `copy_and_flip`: a one-snapshot dump on the source, restored into a fresh schema on the
   target (the tenant's platform and notifier rows stay where they are: on the platform's
   server, under the same tenant id), then the registry's `db_server` is flipped, audited.
   Any failure before the flip lifts the fence and leaves the tenant where it was.
3. `drop_source`: the old schema and role go, once the directory points at the target.
"""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg

from services.provisioner.adapters.registry_pg import TENANT_COLUMNS, tenant_record
from services.provisioner.ports import TenantRecord
from shared.backup_tenant import dump_tenant, restore_tenant
from shared.db import tenant_schema
from shared.db_servers import ServerPools
from shared.errors import RuleViolation
from shared.migrate import Migration, drop_tenant_role

_TABLES = """
SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname
"""


class PgTenantMover:
    def __init__(
        self, pool: asyncpg.Pool, servers: ServerPools, tenant_migrations: tuple[Migration, ...]
    ) -> None:
        self._pool = pool  # the platform's server: the registry
        self._servers = servers
        self._migrations = tenant_migrations

    def knows(self, server: str) -> bool:
        return server in self._servers

    async def fence(self, tenant_id: str, server: str, *, writable: bool) -> None:
        schema = tenant_schema(tenant_id)
        pool = await self._servers.pool(server)
        async with pool.acquire() as conn, conn.transaction():
            rights = "INSERT, UPDATE, DELETE"
            if writable:
                await conn.execute(
                    f'GRANT {rights} ON ALL TABLES IN SCHEMA "{schema}" TO "{schema}"'
                )
                await conn.execute(f'REVOKE ALL ON "{schema}".schema_migrations FROM "{schema}"')
                return
            await conn.execute(
                f'REVOKE {rights} ON ALL TABLES IN SCHEMA "{schema}" FROM "{schema}"'
            )
            tables = [row[0] for row in await conn.fetch(_TABLES, schema)]
            if tables:  # wait for the writers already inside to commit
                await conn.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE")

    async def copy_and_flip(
        self, tenant: TenantRecord, target: str, *, actor: str, now: datetime
    ) -> tuple[TenantRecord, int]:
        """Copy the fenced schema to `target` and flip the registry; (the moved record,
        bookings copied)."""
        source = await self._servers.pool(tenant.db_server)
        backup = await dump_tenant(source, tenant.tenant_id, now=now)
        report = await restore_tenant(
            await self._servers.pool(target),
            backup,
            tenant.tenant_id,
            self._migrations,
            now=now,
            with_notifier=False,  # the notifier's rows stay on the platform's server
        )
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "UPDATE platform.tenants SET db_server = $3, updated_at = now()"
                f" WHERE tenant_id = $1 AND db_server = $2 RETURNING {TENANT_COLUMNS}",
                tenant.tenant_id,
                tenant.db_server,
                target,
            )
            if row is None:
                raise RuleViolation("moved_meanwhile", tenant=tenant.tenant_id)
            await conn.execute(
                "INSERT INTO platform.audit_log (actor, action, tenant_id, details)"
                " VALUES ($1, 'move', $2, $3::jsonb)",
                actor,
                tenant.tenant_id,
                json.dumps({"from": tenant.db_server, "to": target, "rows": report.rows}),
            )
        return tenant_record(row), report.bookings

    async def drop_source(self, tenant_id: str, server: str) -> None:
        schema = tenant_schema(tenant_id)
        pool = await self._servers.pool(server)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            try:
                async with conn.transaction():
                    await drop_tenant_role(conn, tenant_id)
            except asyncpg.DependentObjectsStillExistError:
                pass  # two servers that are databases of one cluster share the role: keep it
