"""SQL of the admin side for the catalogue: services, masters and who performs what."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.use_cases.admin.ports import MasterRow, ServiceRow

_SERVICE_COLUMNS = (
    "id, name, duration_min, price_kopecks, buffer_before_min, buffer_after_min, active"
)
_ADD_SERVICE = """
WITH s AS (
    INSERT INTO services (name, duration_min, price_kopecks, sort_order)
    SELECT $1, $2, $3, coalesce(max(sort_order), 0) + 10 FROM services
    RETURNING id
), ms AS (
    INSERT INTO master_services (master_id, service_id)
    SELECT m.id, s.id FROM masters AS m CROSS JOIN s WHERE m.active
)
SELECT id FROM s
"""
_UPDATE_SERVICE = """
UPDATE services SET name = coalesce($2, name), duration_min = coalesce($3, duration_min),
    price_kopecks = coalesce($4, price_kopecks),
    buffer_before_min = coalesce($5, buffer_before_min),
    buffer_after_min = coalesce($6, buffer_after_min), active = coalesce($7, active)
WHERE id = $1
"""
_SERVICE_MASTERS = """
SELECT m.id, m.name, m.active, ms.master_id IS NOT NULL AS performs
FROM masters AS m
LEFT JOIN master_services AS ms ON ms.master_id = m.id AND ms.service_id = $1
ORDER BY m.sort_order, m.id
"""
_ADD_MASTER = """
WITH m AS (
    INSERT INTO masters (name, sort_order)
    SELECT $1, coalesce(max(sort_order), 0) + 10 FROM masters
    RETURNING id
), ms AS (
    INSERT INTO master_services (master_id, service_id)
    SELECT m.id, s.id FROM services AS s CROSS JOIN m WHERE s.active
)
SELECT id FROM m
"""


def _master(row: asyncpg.Record) -> MasterRow:
    return MasterRow(id=row["id"], name=row["name"], active=row["active"])


class CatalogSql:
    _conn: asyncpg.Connection

    async def all_services(self) -> list[ServiceRow]:
        rows = await self._conn.fetch(
            f"SELECT {_SERVICE_COLUMNS} FROM services ORDER BY NOT active, sort_order, id"
        )
        return [ServiceRow(**dict(row)) for row in rows]

    async def service(self, service_id: int) -> ServiceRow | None:
        row = await self._conn.fetchrow(
            f"SELECT {_SERVICE_COLUMNS} FROM services WHERE id = $1", service_id
        )
        return None if row is None else ServiceRow(**dict(row))

    async def add_service(self, *, name: str, duration_min: int, price_kopecks: int) -> int:
        return int(await self._conn.fetchval(_ADD_SERVICE, name, duration_min, price_kopecks))

    async def update_service(
        self,
        service_id: int,
        *,
        name: str | None = None,
        duration_min: int | None = None,
        price_kopecks: int | None = None,
        buffers: tuple[int, int] | None = None,
        active: bool | None = None,
    ) -> None:
        before, after = buffers if buffers is not None else (None, None)
        await self._conn.execute(
            _UPDATE_SERVICE, service_id, name, duration_min, price_kopecks, before, after, active
        )

    async def service_masters(self, service_id: int) -> list[tuple[MasterRow, bool]]:
        rows = await self._conn.fetch(_SERVICE_MASTERS, service_id)
        return [(_master(row), row["performs"]) for row in rows]

    async def set_service_master(self, service_id: int, master_id: int, *, on: bool) -> None:
        if on:
            await self._conn.execute(
                "INSERT INTO master_services (master_id, service_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                master_id,
                service_id,
            )
        else:
            await self._conn.execute(
                "DELETE FROM master_services WHERE master_id = $1 AND service_id = $2",
                master_id,
                service_id,
            )

    async def all_masters(self) -> list[MasterRow]:
        rows = await self._conn.fetch(
            "SELECT id, name, active FROM masters ORDER BY NOT active, sort_order, id"
        )
        return [_master(row) for row in rows]

    async def master(self, master_id: int) -> MasterRow | None:
        row = await self._conn.fetchrow(
            "SELECT id, name, active FROM masters WHERE id = $1", master_id
        )
        return None if row is None else _master(row)

    async def add_master(self, name: str) -> int:
        return int(await self._conn.fetchval(_ADD_MASTER, name))

    async def update_master(
        self, master_id: int, *, name: str | None = None, active: bool | None = None
    ) -> None:
        await self._conn.execute(
            "UPDATE masters SET name = coalesce($2, name), active = coalesce($3, active)"
            " WHERE id = $1",
            master_id,
            name,
            active,
        )

    async def master_service_names(self, master_id: int) -> list[str]:
        rows = await self._conn.fetch(
            "SELECT s.name FROM services AS s JOIN master_services AS ms ON ms.service_id = s.id"
            " WHERE ms.master_id = $1 AND s.active ORDER BY s.sort_order, s.id",
            master_id,
        )
        return [row["name"] for row in rows]
