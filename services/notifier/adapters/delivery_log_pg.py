"""Retention of `notifier.deliveries` (texts carry names and phones) and `blocked_chats`.

Deletes go in batches of `limit` rows. A deleted tenant's rows go whatever their status (a
dispatcher holding one of them then finds nothing to mark), with its block list. By age, only
finished rows go, never one still `pending` or `sending`, locked with `SKIP LOCKED` so replicas
purging at the same time share the work instead of waiting on each other.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.db import service_tx

_FORGET_TENANT = """
DELETE FROM notifier.deliveries
WHERE id IN (
    SELECT id FROM notifier.deliveries WHERE tenant_id = $1 LIMIT $2
)
"""

_FORGET_BLOCKED = "DELETE FROM notifier.blocked_chats WHERE tenant_id = $1"
# Its broadcasts, its customers' bulk opt-outs and its win-back rules go with it.
_FORGET_MARKETING = (
    "DELETE FROM notifier.broadcasts WHERE tenant_id = $1",
    "DELETE FROM notifier.bulk_optouts WHERE tenant_id = $1",
    "DELETE FROM notifier.winback_rules WHERE tenant_id = $1",
)

_PURGE_FINISHED = """
DELETE FROM notifier.deliveries
WHERE id IN (
    SELECT id FROM notifier.deliveries
    WHERE status IN ('sent', 'blocked', 'failed', 'cancelled') AND due_at < $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
"""


class PgDeliveryLog:
    """Implements `DeliveryLog`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def forget_tenant(self, tenant_id: str, limit: int) -> int:
        async with service_tx(self._pool) as conn:
            result = await conn.execute(_FORGET_TENANT, tenant_id, limit)
            await conn.execute(_FORGET_BLOCKED, tenant_id)
            for statement in _FORGET_MARKETING:
                await conn.execute(statement, tenant_id)
        return int(result.split()[-1])

    async def purge_finished(self, before: datetime, limit: int) -> int:
        result = await self._pool.execute(_PURGE_FINISHED, before, limit)
        return int(result.split()[-1])
