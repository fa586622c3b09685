"""An explicit catalog for the owner tests (new tenants start empty; never rely on a seed):
whatever a tenant was created with is cleared, then one service «Стрижка» (60 min,
1 500 ₽) and the masters named, each working Mon-Sat 10:00-20:00."""

from __future__ import annotations

from shared.db import tenant_tx
from tests.support.owner import clear_catalog


async def make_catalog(pool, tenant_id: str, masters: tuple[str, ...] = ("Ирина",)) -> None:
    async with tenant_tx(pool, tenant_id) as conn:
        await clear_catalog(conn)
        await conn.execute(
            "INSERT INTO services (name, duration_min, price_kopecks, sort_order)"
            " VALUES ('Стрижка', 60, 150000, 10)"
        )
        for order, name in enumerate(masters):
            await conn.execute(
                "INSERT INTO masters (name, sort_order) VALUES ($1, $2)", name, order
            )
        await conn.execute(
            "INSERT INTO master_services (master_id, service_id)"
            " SELECT m.id, s.id FROM masters AS m CROSS JOIN services AS s"
        )
        await conn.execute(
            "INSERT INTO working_hours (master_id, weekday, starts, ends)"
            " SELECT m.id, d, '10:00', '20:00' FROM masters AS m"
            " CROSS JOIN generate_series(0, 5) AS d"
        )
