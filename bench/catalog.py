"""An explicit catalog for benchmark tenants: new tenants start with no services or masters.

Each tenant gets two services and one master working every day 08:00-22:00, inserted into its
schema only when it has no services yet (so a tenant that has a catalog keeps it).
"""

from __future__ import annotations

import asyncio

import asyncpg

from shared.db import tenant_schema

_CATALOG = """
SET LOCAL search_path TO "{schema}";
INSERT INTO services (name, description, duration_min, price_kopecks, sort_order)
SELECT v.name, v.description, v.duration, v.price, v.sort_order
FROM (VALUES ('Стрижка', 'Стрижка и укладка', 60, 150000, 10),
             ('Маникюр', 'Маникюр с покрытием', 90, 200000, 20))
     AS v (name, description, duration, price, sort_order)
WHERE NOT EXISTS (SELECT 1 FROM services);
INSERT INTO masters (name, sort_order)
SELECT 'Мастер', 10 WHERE NOT EXISTS (SELECT 1 FROM masters);
INSERT INTO master_services (master_id, service_id)
SELECT m.id, s.id FROM masters AS m CROSS JOIN services AS s ON CONFLICT DO NOTHING;
INSERT INTO working_hours (master_id, weekday, starts, ends)
SELECT m.id, d, '08:00', '22:00' FROM masters AS m CROSS JOIN generate_series(0, 6) AS d
WHERE NOT EXISTS (SELECT 1 FROM working_hours);
"""


async def give_catalogs(database_url: str, tenant_ids: list[str], *, connections: int = 8) -> None:
    """Give every tenant in `tenant_ids` its catalog (one transaction per tenant)."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=connections)
    try:
        queue = list(tenant_ids)

        async def worker() -> None:
            async with pool.acquire() as conn:
                while queue:
                    schema = tenant_schema(queue.pop())
                    async with conn.transaction():
                        await conn.execute(_CATALOG.format(schema=schema))

        await asyncio.gather(*(worker() for _ in range(connections)))
    finally:
        await pool.close()


async def give_every_tenant_a_catalog(database_url: str) -> int:
    """A catalog for every live tenant of the platform that has none; returns how many tenants."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT tenant_id FROM platform.tenants WHERE status = 'active'")
    finally:
        await conn.close()
    await give_catalogs(database_url, [str(r["tenant_id"]) for r in rows])
    return len(rows)
