"""A tenant's data as one JSON document: its registry entry, payments and every table it owns.

The tables are read in one read-only, repeatable-read transaction as the tenant's own role, so
the export is a consistent snapshot and cannot include another tenant's rows. Postgres renders
each table as JSON (`json_agg`), so every column type (ranges, times, arrays) comes out as its
usual text and new tables or columns need no code here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from services.provisioner.adapters.console_pg import schema_exists
from services.provisioner.ports import TenantRecord
from shared.db import tenant_schema

EXPORT_FORMAT = "bookbots.tenant-export"
EXPORT_VERSION = 1
_SECRET_FIELDS = frozenset({"bot_token_sealed"})


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgTenantExporter:
    def __init__(
        self,
        pool: asyncpg.Pool,
        tenant_pool: Callable[[str], Awaitable[asyncpg.Pool]] | None = None,
    ) -> None:
        self._pool = pool
        self._tenant_pool = tenant_pool  # the tenant's database server (shared/db_servers.py)

    async def export(self, tenant: TenantRecord, now: datetime) -> bytes | None:
        """The export as JSON bytes, or None when the tenant's schema is already gone."""
        schema = tenant_schema(tenant.tenant_id)
        payments = await self._pool.fetchval(  # the registry's, on the platform's server
            "SELECT coalesce(json_agg(p ORDER BY p.applied_at), '[]')::text FROM"
            " (SELECT payment_id, kind, period_days, amount_kopecks, applied_at"
            "  FROM platform.applied_payments WHERE tenant_id = $1) AS p",
            tenant.tenant_id,
        )
        pool = await self._tenant_pool(tenant.tenant_id) if self._tenant_pool else self._pool
        async with (
            pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            if not await schema_exists(conn, schema):
                return None
            tables = await conn.fetch(
                "SELECT c.relname FROM pg_class AS c"
                " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')"
                " AND c.relname <> 'schema_migrations'"  # the platform's record, not the tenant's
                " ORDER BY c.relname",
                schema,
            )
            await conn.execute(
                "SELECT set_config('search_path', $1, true), set_config('role', $1, true)",
                schema,
            )
            data: dict[str, msgspec.Raw] = {}
            for row in tables:
                name: str = row["relname"]
                qualified = f"{quote_identifier(schema)}.{quote_identifier(name)}"
                rows_json = await conn.fetchval(
                    "SELECT coalesce(json_agg(t), '[]')::text"
                    f" FROM (SELECT * FROM {qualified} ORDER BY 1) AS t"
                )
                data[name] = msgspec.Raw(rows_json.encode())
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": now,
            "tenant": {
                key: value
                for key, value in dataclasses.asdict(tenant).items()
                if key not in _SECRET_FIELDS
            },
            "payments": msgspec.Raw(payments.encode()),
            "tables": data,
        }
        return msgspec.json.encode(document)
