"""`use_cases.admin.profile_ports.ProfileStore` on Postgres: `masters.bio`/`photo_file_id`
and the per-master `price_kopecks`/`duration_min` of `master_services`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters.audit_sql import AuditSql
from services.booking.use_cases.admin.profile_ports import OwnService, ProfileView
from shared.db import tenant_tx

_SERVICES = """
SELECT s.id, s.name, s.duration_min, s.price_kopecks,
       ms.duration_min AS own_duration, ms.price_kopecks AS own_price
FROM master_services AS ms JOIN services AS s ON s.id = ms.service_id
WHERE ms.master_id = $1 AND s.active
ORDER BY s.sort_order, s.id
"""


class PgProfileSession(AuditSql):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def profile(self, master_id: int) -> ProfileView | None:
        row = await self._conn.fetchrow(
            "SELECT id, name, bio, photo_file_id FROM masters WHERE id = $1", master_id
        )
        if row is None:
            return None
        services = tuple(
            OwnService(
                service_id=r["id"],
                name=r["name"],
                duration_min=r["duration_min"],
                price_kopecks=r["price_kopecks"],
                own_duration_min=r["own_duration"],
                own_price_kopecks=r["own_price"],
            )
            for r in await self._conn.fetch(_SERVICES, master_id)
        )
        return ProfileView(
            master_id=row["id"],
            name=row["name"],
            bio=row["bio"],
            photo_file_id=row["photo_file_id"],
            services=services,
        )

    async def set_bio(self, master_id: int, bio: str) -> None:
        await self._conn.execute("UPDATE masters SET bio = $2 WHERE id = $1", master_id, bio)

    async def set_photo(self, master_id: int, file_id: str) -> None:
        await self._conn.execute(
            "UPDATE masters SET photo_file_id = $2 WHERE id = $1", master_id, file_id
        )

    async def set_own(
        self, master_id: int, service_id: int, *, price: int | None, duration: int | None
    ) -> bool:
        done: str = await self._conn.execute(
            "UPDATE master_services SET price_kopecks = $3, duration_min = $4"
            " WHERE master_id = $1 AND service_id = $2",
            master_id,
            service_id,
            price,
            duration,
        )
        return done != "UPDATE 0"


class PgProfileStore:
    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgProfileSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgProfileSession(conn)
