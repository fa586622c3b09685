"""`ports.Announcements` in Postgres: which tenants were announced, and which directory entries
are behind the registry (`platform.tenants.version` against `directory_version`)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from services.provisioner.adapters.registry_pg import TENANT_COLUMNS, tenant_record
from services.provisioner.ports import Announcement, TenantRecord
from shared.outbox import enqueue

_MARK_LIVE = """
UPDATE platform.tenants SET announced_at = now()
WHERE tenant_id = $1 AND announced_at IS NULL
RETURNING tenant_id
"""
_UNANNOUNCED = f"""
SELECT {TENANT_COLUMNS} FROM platform.tenants
WHERE announced_at IS NULL AND status <> 'deleted' AND created_at < now() - $1::interval
ORDER BY created_at LIMIT $2
"""
_BEHIND = f"""
SELECT {TENANT_COLUMNS} FROM platform.tenants
WHERE directory_version < version
ORDER BY tenant_id LIMIT $1
"""
_SYNCED = """
UPDATE platform.tenants SET directory_version = $2
WHERE tenant_id = $1 AND directory_version < $2
"""


class PgAnnouncements:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def mark_live(self, tenant_id: str, announcement: Announcement) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            marked = await conn.fetchval(_MARK_LIVE, tenant_id)
            if marked is None:
                return False
            await enqueue(
                conn, announcement.subject, announcement.event, msg_id=announcement.msg_id
            )
            return True

    async def unannounced(self, older_than: timedelta, *, limit: int) -> list[TenantRecord]:
        rows = await self._pool.fetch(_UNANNOUNCED, older_than, limit)
        return [tenant_record(r) for r in rows]

    async def behind_directory(self, *, limit: int) -> list[TenantRecord]:
        return [tenant_record(r) for r in await self._pool.fetch(_BEHIND, limit)]

    async def directory_synced(self, tenant_id: str, version: int) -> None:
        await self._pool.execute(_SYNCED, tenant_id, version)
