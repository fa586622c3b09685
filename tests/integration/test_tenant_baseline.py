"""A spare made from the tenant baseline (`shared.tenant_baseline`) is the same schema as one
made by replaying every tenant migration: columns in order with their types, defaults and
identity, constraints, indexes, sequences, the tenant role's rights and the migration record;
and the committed baseline matches today's migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from services.provisioner.adapters.spares_pg import PgSpareSchemas
from shared.migrate import shared_migrations
from shared.tenant_baseline import load_baseline
from tests.support.tenant_db import TenantDb, close_tenant_db, open_tenant_db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

_SHAPE = """
SELECT 'column' AS kind, c.relname || '.' || a.attname AS name,
       format('%s %s %s %s %s', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
              a.attidentity, pg_get_expr(d.adbin, d.adrelid)) AS shape
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'S')
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname,
       format('%s %s %s', contype, convalidated, pg_get_constraintdef(oid))
FROM pg_constraint WHERE connamespace = $1::regnamespace
UNION ALL
SELECT 'relation', relname::text, format('%s %s %s', relkind, relacl, pg_get_indexdef(oid))
FROM pg_class WHERE relnamespace = $1::regnamespace
UNION ALL
SELECT 'sequence', seqrelid::regclass::text,
       format('%s %s %s %s', seqtypid::regtype, seqstart, seqincrement, seqcache)
FROM pg_sequence WHERE seqrelid IN (
    SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)
"""


@pytest_asyncio.fixture(loop_scope="session")
async def db(database_server_url: str) -> AsyncIterator[TenantDb]:
    opened = await open_tenant_db(database_server_url, "baseline")
    yield opened
    await close_tenant_db(opened)


async def shape(conn: asyncpg.Connection, schema: str) -> dict[tuple[str, str], str]:
    rows = await conn.fetch(_SHAPE, schema)
    return {
        (r["kind"], r["name"].replace(schema, "S")): r["shape"].replace(schema, "S") for r in rows
    }


async def test_a_baseline_spare_equals_a_replayed_one(db: TenantDb) -> None:
    migrations = shared_migrations("tenant")
    baseline = load_baseline(migrations)
    assert baseline is not None, "regenerate: python -m shared.tenant_baseline"
    fast = PgSpareSchemas(db.provisioner, migrations)
    assert fast._baseline is not None
    replaying = PgSpareSchemas(db.provisioner, migrations)
    replaying._baseline = None
    made, replayed = (await fast.make(1))[0], (await replaying.make(1))[0]
    async with db.provisioner.acquire() as conn:
        assert await shape(conn, made) == await shape(conn, replayed)
        versions = "SELECT version, name FROM {}.schema_migrations ORDER BY version"
        assert await conn.fetch(versions.format(made)) == await conn.fetch(
            versions.format(replayed)
        )
        assert len(await shape(conn, made)) > 100
