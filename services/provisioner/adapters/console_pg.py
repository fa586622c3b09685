"""The console's reads and writes in Postgres: listing, search, counts, revenue, audit, removal.

Registry rows are read from `platform.tenants`; a tenant's own numbers (bookings) are read
inside `tenant_tx`, as that tenant's role. Removing a tenant's data drops its schema and role.
"""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg

from services.provisioner.adapters.registry_pg import TENANT_COLUMNS, tenant_record
from services.provisioner.ports import (
    BookingCounts,
    PlanPrice,
    TenantCounts,
    TenantRecord,
    TenantStatus,
)
from shared.db import tenant_schema, tenant_tx
from shared.db_servers import MAIN_DATABASE_SERVER, ServerPools
from shared.migrate import Migration, drop_tenant_role
from shared.migrate_online import Options, Pending, RunReport, migrate_online, plan, targets


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards in `text` taken literally (escape character `\\`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def schema_exists(conn: asyncpg.Connection | asyncpg.Pool, schema: str) -> bool:
    return bool(await conn.fetchval("SELECT to_regnamespace($1) IS NOT NULL", schema))


class PgConsoleStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        tenant_migrations: tuple[Migration, ...],
        servers: ServerPools | None = None,
    ) -> None:
        self._pool = pool
        self._migrations = tenant_migrations
        self._servers = servers or ServerPools(pool)

    async def tenant_pool(self, tenant_id: str) -> asyncpg.Pool:
        """The pool of the server that holds the tenant's schema (the registry says which)."""
        server = await self._pool.fetchval(
            "SELECT db_server FROM platform.tenants WHERE tenant_id = $1", tenant_id
        )
        return await self._servers.pool(server or MAIN_DATABASE_SERVER)

    async def list_tenants(
        self, status: TenantStatus | None, *, limit: int, offset: int
    ) -> tuple[list[TenantRecord], int]:
        """A page of tenants, newest first; without a status, every tenant not deleted."""
        where = "status = $1" if status else "status <> 'deleted' AND $1::text IS NULL"
        total = await self._pool.fetchval(
            f"SELECT count(*) FROM platform.tenants WHERE {where}", status
        )
        rows = await self._pool.fetch(
            f"SELECT {TENANT_COLUMNS} FROM platform.tenants WHERE {where}"
            " ORDER BY created_at DESC, tenant_id LIMIT $2 OFFSET $3",
            status,
            limit,
            offset,
        )
        return [tenant_record(row) for row in rows], int(total)

    async def search(self, text: str, *, limit: int) -> list[TenantRecord]:
        """By tenant id, business name or bot username, case-insensitive; exact ids first."""
        rows = await self._pool.fetch(
            f"SELECT {TENANT_COLUMNS} FROM platform.tenants"
            " WHERE tenant_id = lower($1) OR tenant_id LIKE lower($2)"
            " OR business_name ILIKE $2 OR bot_username ILIKE $2"
            " ORDER BY tenant_id = lower($1) DESC, lower(bot_username) = lower($1) DESC,"
            " status = 'deleted', business_name, tenant_id LIMIT $3",
            text,
            like_pattern(text),
            limit,
        )
        return [tenant_record(row) for row in rows]

    async def booking_counts(self, tenant_id: str, now: datetime) -> BookingCounts | None:
        pool = await self.tenant_pool(tenant_id)
        if not await schema_exists(pool, tenant_schema(tenant_id)):
            return None
        async with tenant_tx(pool, tenant_id) as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS total,"
                " count(*) FILTER (WHERE status = 'confirmed' AND starts_at >= $1) AS upcoming"
                " FROM bookings",
                now,
            )
        assert row is not None  # an aggregate always returns a row
        return BookingCounts(total=int(row["total"]), upcoming=int(row["upcoming"]))

    async def tenant_counts(self, since: datetime) -> TenantCounts:
        row = await self._pool.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'active') AS active,"
            " count(*) FILTER (WHERE status = 'active' AND trial) AS trials,"
            " count(*) FILTER (WHERE status = 'grace') AS grace,"
            " count(*) FILTER (WHERE status = 'suspended') AS suspended,"
            " count(*) FILTER (WHERE status = 'deleted') AS deleted,"
            " count(*) FILTER (WHERE created_at >= $1) AS new_recently"
            " FROM platform.tenants",
            since,
        )
        assert row is not None  # an aggregate always returns a row
        return TenantCounts(**{key: int(value) for key, value in row.items()})

    async def revenue(self, since: datetime, until: datetime) -> int:
        total = await self._pool.fetchval(
            "SELECT coalesce(sum(amount_kopecks), 0) FROM platform.applied_payments"
            " WHERE applied_at >= $1 AND applied_at <= $2",
            since,
            until,
        )
        return int(total)

    async def current_plans(self) -> list[PlanPrice]:
        """The last paid plan of every active, paying (not trial) tenant."""
        rows = await self._pool.fetch(
            "SELECT DISTINCT ON (p.tenant_id) p.amount_kopecks, p.period_days"
            " FROM platform.applied_payments AS p"
            " JOIN platform.tenants AS t ON t.tenant_id = p.tenant_id"
            " WHERE t.status = 'active' AND NOT t.trial"
            " AND p.amount_kopecks > 0 AND p.period_days > 0"
            " ORDER BY p.tenant_id, p.applied_at DESC, p.payment_id DESC"
        )
        return [
            PlanPrice(amount_kopecks=int(row["amount_kopecks"]), period_days=row["period_days"])
            for row in rows
        ]

    async def audit(
        self, actor: str, action: str, tenant_id: str | None, details: dict[str, object]
    ) -> None:
        await self._pool.execute(
            "INSERT INTO platform.audit_log (actor, action, tenant_id, details)"
            " VALUES ($1, $2, $3, $4::jsonb)",
            actor,
            action,
            tenant_id,
            json.dumps(details, ensure_ascii=False, default=str),
        )

    async def drop_tenant_data(self, tenant_id: str) -> None:
        """Drop the tenant's schema (cascading) and its role; nothing happens the second time."""
        schema = tenant_schema(tenant_id)
        pool = await self.tenant_pool(tenant_id)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await drop_tenant_role(conn, tenant_id)

    async def migrate_tenants(self, options: Options) -> RunReport:
        """Pending tenant migrations over every tenant not deleted (each on its own server)
        and every spare, online."""
        schemas = await targets(self._pool)
        return await migrate_online(
            self._pool, schemas, self._migrations, options, servers=self._servers.pool
        )

    async def plan_migrations(self) -> list[Pending]:
        return await plan(
            self._pool, await targets(self._pool), self._migrations, servers=self._servers.pool
        )
