"""One tenant's backup and its restore, into the same tenant or another tenant id.

Contract:
- `dump_tenant` reads in ONE repeatable-read, read-only transaction (one snapshot): every table
  of the tenant's schema (COPY text), its sequences, its migration versions, its platform
  registry entry and payments (never the sealed bot token) and its notifier rows. A tenant
  whose schema lives on another server than the platform's (`platform=` given) is read in two
  snapshots, one per server: its schema there, its platform and notifier rows here.
- `restore_tenant` runs in ONE transaction on the target database (`pool`, any server) under the
  target tenant id: the schema is dropped and made again by `create_tenant_schema`, the very
  path that creates a new tenant (same role, grants and default privileges, same owner: the
  login that restores, the provisioner's in a deployment), at the migrations the backup was
  taken under; the rows are copied in, sequences set, and the newer migrations applied. So a
  backup from an older schema restores into the current one. The tenant's pending reminders
  come back too (on the platform's server, `notifier=`, after the schema's transaction when
  the schema lives elsewhere); for the same tenant, reminders of bookings made after the backup are
  cancelled. The registry entry is not touched (the platform's ledger is not rewound).
- A backup taken under a migration this code does not know is refused, before any change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import msgspec

from shared.backup_file import BackupError
from shared.backup_model import SequenceValue, TableDump, TenantBackup
from shared.backup_notifier import dump_notifier, restore_notifier
from shared.db import tenant_schema
from shared.errors import NotFound
from shared.migrate import Migration, create_tenant_schema

_TABLES = """
SELECT c.oid, c.relname,
       array(SELECT DISTINCT p.relname FROM pg_constraint AS k JOIN pg_class AS p
             ON p.oid = k.confrelid WHERE k.conrelid = c.oid AND k.contype = 'f'
             AND k.confrelid <> c.oid) AS parents
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname <> 'schema_migrations'
ORDER BY c.relname
"""
_COLUMNS = """
SELECT attname FROM pg_attribute
WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
ORDER BY attnum
"""
_SEQUENCES = """
SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind = 'S' ORDER BY c.relname
"""
_PLATFORM = {
    "tenants": "SELECT coalesce(jsonb_agg(to_jsonb(t) - 'bot_token_sealed'), '[]')::text"
    " FROM platform.tenants AS t WHERE tenant_id = $1",
    "applied_payments": "SELECT coalesce(jsonb_agg(to_jsonb(p) ORDER BY p.applied_at), '[]')::text"
    " FROM platform.applied_payments AS p WHERE tenant_id = $1",
}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class RestoreReport:
    tenant_id: str
    source_tenant_id: str
    taken_at: datetime
    tables: int
    rows: int
    bookings: int
    reminders: int


def _in_key_order(tables: list[asyncpg.Record]) -> list[asyncpg.Record]:
    """Parents before children (foreign keys), otherwise by name."""
    pending = {row["relname"]: row for row in tables}
    ordered: list[asyncpg.Record] = []
    while pending:
        ready = [
            name
            for name, row in pending.items()
            if not any(parent in pending for parent in row["parents"])
        ] or [next(iter(pending))]  # a cycle: COPY would tell us; none exists today
        ordered.extend(pending.pop(name) for name in ready)
    return ordered


async def _dump_table(conn: asyncpg.Connection, schema: str, row: asyncpg.Record) -> TableDump:
    columns = [r["attname"] for r in await conn.fetch(_COLUMNS, row["oid"])]
    chunks: list[bytes] = []

    async def keep(chunk: bytes) -> None:
        chunks.append(chunk)

    listed = ", ".join(ident(c) for c in columns)
    status = await conn.copy_from_query(
        f"SELECT {listed} FROM {ident(schema)}.{ident(row['relname'])} ORDER BY 1",
        output=keep,
        format="text",
    )
    count = int(status.split()[-1]) if status else 0
    return TableDump(name=row["relname"], columns=columns, rows=count, copy_text=b"".join(chunks))


async def _platform_rows(conn: asyncpg.Connection, tenant_id: str) -> dict[str, str]:
    rows: dict[str, str] = {}
    for table, query in _PLATFORM.items():
        if await conn.fetchval(
            "SELECT to_regclass($1) IS NOT NULL AND has_table_privilege($1, 'SELECT')",
            f"platform.{table}",
        ):
            rows[table] = await conn.fetchval(query, tenant_id)
    return rows


async def _platform_and_notifier(
    conn: asyncpg.Connection, tenant_id: str
) -> tuple[dict[str, str], dict[str, str]]:
    return await _platform_rows(conn, tenant_id), await dump_notifier(conn, tenant_id)


async def dump_tenant(
    pool: asyncpg.Pool,
    tenant_id: str,
    *,
    now: datetime,
    platform: asyncpg.Pool | None = None,
) -> TenantBackup:
    """A consistent backup of one tenant; `NotFound` when it has no schema. `pool` is the
    server that holds the schema; `platform` the platform's, when that is another one."""
    backup = await _dump_schema(pool, tenant_id, now=now, with_platform=platform is None)
    if platform is not None:
        async with (
            platform.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            rows, notifier = await _platform_and_notifier(conn, tenant_id)
        backup = msgspec.structs.replace(backup, platform=rows, notifier=notifier)
    return backup


async def _dump_schema(
    pool: asyncpg.Pool, tenant_id: str, *, now: datetime, with_platform: bool
) -> TenantBackup:
    schema = tenant_schema(tenant_id)
    async with (
        pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        if await conn.fetchval("SELECT to_regnamespace($1) IS NULL", ident(schema)):
            raise NotFound("tenant schema", tenant_id)
        versions = await conn.fetch(
            f"SELECT version FROM {ident(schema)}.schema_migrations ORDER BY version"
        )
        tables = [
            await _dump_table(conn, schema, row)
            for row in _in_key_order(await conn.fetch(_TABLES, schema))
        ]
        sequences = []
        for seq in await conn.fetch(_SEQUENCES, schema):
            value = await conn.fetchrow(
                f"SELECT last_value, is_called FROM {ident(schema)}.{ident(seq['relname'])}"
            )
            sequences.append(
                SequenceValue(
                    name=seq["relname"],
                    last_value=value["last_value"],
                    is_called=value["is_called"],
                )
            )
        return TenantBackup(
            tenant_id=tenant_id,
            taken_at=now,
            migrations=[r["version"] for r in versions],
            tables=tables,
            sequences=sequences,
            platform=await _platform_rows(conn, tenant_id) if with_platform else {},
            notifier=await dump_notifier(conn, tenant_id) if with_platform else {},
        )


async def _load_rows(conn: asyncpg.Connection, schema: str, backup: TenantBackup) -> int:
    present = {r["relname"] for r in await conn.fetch(_TABLES, schema)}
    missing = [t.name for t in backup.tables if t.name not in present]
    if missing:
        raise BackupError(f"the backup has tables its migrations do not make: {missing}")
    if present:
        listed = ", ".join(f"{ident(schema)}.{ident(name)}" for name in sorted(present))
        await conn.execute(f"TRUNCATE {listed}")  # rows a migration seeded; the backup's come next
    rows = 0
    for table in backup.tables:
        qualified = f"{ident(schema)}.{ident(table.name)}"
        triggers = await conn.fetchval(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal",
            qualified,
        )
        if triggers:  # rows come back as they were, not as new events
            await conn.execute(f"ALTER TABLE {qualified} DISABLE TRIGGER USER")
        if table.copy_text:
            await conn.copy_to_table(
                table.name,
                source=io.BytesIO(table.copy_text),
                columns=table.columns,
                schema_name=schema,
                format="text",
            )
        if triggers:
            await conn.execute(f"ALTER TABLE {qualified} ENABLE TRIGGER USER")
        rows += table.rows
    for seq in backup.sequences:
        await conn.execute(
            "SELECT setval($1::regclass, $2, $3)",
            f"{ident(schema)}.{ident(seq.name)}",
            seq.last_value,
            seq.is_called,
        )
    return rows


async def restore_tenant(
    pool: asyncpg.Pool,
    backup: TenantBackup,
    tenant_id: str,
    migrations: tuple[Migration, ...],
    *,
    now: datetime,
    with_notifier: bool = True,
    notifier: asyncpg.Pool | None = None,
) -> RestoreReport:
    """Replace tenant `tenant_id`'s schema (on `pool`'s database) by the backup's content.

    `with_notifier=False` leaves the notifier's rows alone (a tenant moved to another server
    keeps its reminders where the notifier's schema is); `notifier` is the platform's
    database when the schema lives on another server: the rows go back there, once the
    schema's transaction has committed."""
    schema = tenant_schema(tenant_id)
    known = {m.version for m in migrations}
    unknown = sorted(set(backup.migrations) - known)
    if unknown:
        raise BackupError(f"the backup needs tenant migrations this version lacks: {unknown}")
    taken_under = tuple(m for m in migrations if m.version in set(backup.migrations))
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
        if await conn.fetchval("SELECT to_regnamespace($1) IS NOT NULL", ident(schema)):
            await conn.execute(f"DROP SCHEMA {ident(schema)} CASCADE")
        await create_tenant_schema(conn, tenant_id, taken_under)
        rows = await _load_rows(conn, schema, backup)
        await create_tenant_schema(conn, tenant_id, migrations)  # the newer migrations, if any
        here = with_notifier and notifier is None
        reminders = await restore_notifier(conn, backup, tenant_id, now=now) if here else 0
    if with_notifier and notifier is not None:
        async with notifier.acquire() as conn, conn.transaction():
            reminders = await restore_notifier(conn, backup, tenant_id, now=now)
    return RestoreReport(
        tenant_id=tenant_id,
        source_tenant_id=backup.tenant_id,
        taken_at=backup.taken_at,
        tables=len(backup.tables),
        rows=rows,
        bookings=backup.bookings(),
        reminders=reminders,
    )


def platform_rows(backup: TenantBackup, table: str) -> list[dict[str, object]]:
    """The backup's rows of a platform table (e.g. `tenants`), decoded."""
    text = backup.platform.get(table)
    return msgspec.json.decode(text) if text else []
