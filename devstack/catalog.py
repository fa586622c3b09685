"""The one explicit way tests, benchmarks and the `make run` demo give a tenant a catalog
(tests use it as `tests.support.catalog`; it lives here so the shipped bench and devstack
packages can use it too).

New tenants start empty (their owner sets them up in the bot's wizard). `give_catalog` inserts
what the old `0002_seed.sql` used to: four salon services, one master «Мастер» performing them,
working Monday-Saturday 10:00-20:00 with a break 14:00-15:00, in the tenant's own schema. It
also marks the setup wizard finished, so the owner is greeted as in a running business.
"""

from __future__ import annotations

import asyncpg

from shared.db import tenant_schema

SERVICES = (
    ("Стрижка", "Стрижка и укладка", 60, 150_000, 10),
    ("Окрашивание", "Окрашивание в один тон", 120, 400_000, 20),
    ("Маникюр", "Маникюр с покрытием", 90, 200_000, 30),
    ("Укладка", "Укладка феном", 45, 100_000, 40),
)
MASTER = "Мастер"

_CATALOG = """
INSERT INTO services (name, description, duration_min, price_kopecks, sort_order)
SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::int[]);
"""
_REST = """
INSERT INTO masters (name, sort_order) VALUES ('{master}', 10);
INSERT INTO master_services (master_id, service_id)
SELECT m.id, s.id FROM masters AS m CROSS JOIN services AS s;
INSERT INTO working_hours (master_id, weekday, starts, ends)
SELECT m.id, d, '10:00', '20:00' FROM masters AS m CROSS JOIN generate_series(0, 5) AS d;
INSERT INTO breaks (master_id, weekday, starts, ends)
SELECT m.id, d, '14:00', '15:00' FROM masters AS m CROSS JOIN generate_series(0, 5) AS d;
"""
_SETUP_DONE = "UPDATE business SET setup_step = 'done', setup_done_at = now() WHERE id = 1"


async def give_catalog(conn: asyncpg.Connection, tenant_id: str) -> None:
    """The salon catalog in `tenant_id`'s schema, inside the caller's connection (any open
    transaction is used; otherwise each statement commits by itself)."""
    async with conn.transaction():
        await conn.execute(
            "SELECT set_config('search_path', $1, true)", f"{tenant_schema(tenant_id)}, public"
        )
        await conn.execute(
            _CATALOG,
            [s[0] for s in SERVICES],
            [s[1] for s in SERVICES],
            [s[2] for s in SERVICES],
            [s[3] for s in SERVICES],
            [s[4] for s in SERVICES],
        )
        await conn.execute(_REST.format(master=MASTER))
        await conn.execute(_SETUP_DONE)


async def give_catalog_at(database_url: str, tenant_id: str) -> None:
    """`give_catalog` over a connection of its own (the owner's URL of a database)."""
    conn = await asyncpg.connect(database_url)
    try:
        await give_catalog(conn, tenant_id)
    finally:
        await conn.close()


async def give_catalog_to_every_empty_tenant(database_url: str) -> int:
    """The catalog for each registered tenant (`platform.tenants`) whose schema has no
    service yet, e.g. after a benchmark bought thousands at once; returns how many got one."""
    conn = await asyncpg.connect(database_url)
    given = 0
    try:
        tenants = await conn.fetch("SELECT tenant_id FROM platform.tenants ORDER BY tenant_id")
        for row in tenants:
            schema = tenant_schema(row["tenant_id"])
            if await conn.fetchval("SELECT to_regclass($1) IS NULL", f'"{schema}".services'):
                continue
            if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{schema}".services)'):
                continue
            await give_catalog(conn, row["tenant_id"])
            given += 1
    finally:
        await conn.close()
    return given
