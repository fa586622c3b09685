"""The owner's data export: every table of the tenant's schema as one JSON document.

Read in one read-only, repeatable-read transaction as the tenant's own role, so
it is one consistent snapshot and cannot contain another tenant's rows. Postgres renders each
table (`json_agg`), so new tables and columns need no code here. The platform's migration
record, which the tenant role may not read, is left out.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from shared.db import tenant_schema

FORMAT = "bookbots.owner-export"
_TABLES = (
    "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
    " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    " AND has_table_privilege(c.oid, 'SELECT') ORDER BY c.relname"
)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgDataExporter:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def export(self, tenant_id: str, now: datetime) -> bytes:
        schema = tenant_schema(tenant_id)
        tables: dict[str, msgspec.Raw] = {}
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            await conn.execute(  # as `shared.db.tenant_tx` does, in a read-only snapshot
                "SELECT set_config('search_path', $1, true), set_config('role', $1, true)",
                schema,
            )
            for row in await conn.fetch(_TABLES, schema):
                rows = await conn.fetchval(
                    "SELECT coalesce(json_agg(t), '[]')::text"
                    f" FROM (SELECT * FROM {_ident(schema)}.{_ident(row['relname'])}"
                    " ORDER BY 1) AS t"
                )
                tables[row["relname"]] = msgspec.Raw(rows.encode())
        document = {"format": FORMAT, "tenant_id": tenant_id, "exported_at": now, "tables": tables}
        return msgspec.json.encode(document)
