"""`MarketingStore` on Postgres: broadcasts, bulk opt-outs and win-back rules in the notifier's
schema. A broadcast's messages are ordinary deliveries (`ref` = `bcast:<id>`), so the dispatcher
sends them at the flood limits like everything else; this module counts and cancels them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.ports import BULK_KINDS, NewDelivery
from services.notifier.use_cases.marketing_ports import (
    Broadcast,
    Running,
    Started,
    Tally,
    broadcast_ref,
)
from shared.db import service_tx

_RUNNING = """
SELECT b.tenant_id, b.broadcast_id, b.owner_chat_id, b.locale, b.total, b.stopped, b.shown,
       b.shown_at,
       p.message_id AS progress_message_id, p.status AS progress_status
FROM notifier.broadcasts AS b
LEFT JOIN notifier.deliveries AS p
    ON p.tenant_id = b.tenant_id AND p.ref = 'bcast:' || b.broadcast_id
   AND p.kind = 'broadcast_progress'
WHERE b.status = 'running'
ORDER BY b.created_at
"""

# A new booking stops the customer's other win-backs: pending ones are cancelled, and each
# (pending or already stopped) lists the booking among those that stop it.
_SUPPRESS_WINBACKS = """
UPDATE notifier.deliveries
SET status = 'cancelled', last_error = 'the customer booked again',
    suppressed_by = array_append(coalesce(suppressed_by, '{}'), $3)
WHERE tenant_id = $1 AND chat_id = $2 AND kind = 'winback' AND ref IS DISTINCT FROM $3
  AND (status = 'pending' OR (status = 'cancelled' AND suppressed_by IS NOT NULL))
  AND NOT ($3 = ANY (coalesce(suppressed_by, '{}')))
"""
_UNSUPPRESS = """
UPDATE notifier.deliveries SET suppressed_by = array_remove(suppressed_by, $3)
WHERE tenant_id = $1 AND chat_id = $2 AND kind = 'winback' AND suppressed_by @> ARRAY[$3]
"""
# Nothing stops it any more (and the customer has not opted out meanwhile): pending again.
_RESTORE_WINBACKS = """
UPDATE notifier.deliveries AS d
SET status = 'pending', last_error = NULL, suppressed_by = NULL,
    due_at = greatest(d.due_at, $3)
WHERE d.tenant_id = $1 AND d.chat_id = $2 AND d.kind = 'winback' AND d.status = 'cancelled'
  AND d.suppressed_by = '{}'
  AND NOT EXISTS (
      SELECT 1 FROM notifier.bulk_optouts AS o WHERE o.tenant_id = $1 AND o.chat_id = $2
  )
"""
_TALLY = """
SELECT status, count(*) AS n FROM notifier.deliveries
WHERE tenant_id = $1 AND ref = $2 AND kind = 'broadcast'
GROUP BY status
"""


class PgMarketing:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def start(
        self, broadcast: Broadcast, rows: Sequence[NewDelivery], refused: NewDelivery
    ) -> Started:
        b = broadcast
        async with service_tx(self._pool) as conn:
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))", f"notifier:bcast:{b.tenant_id}"
            )
            seen = await conn.fetchval(
                "SELECT status FROM notifier.broadcasts WHERE tenant_id = $1 AND broadcast_id = $2",
                b.tenant_id,
                b.broadcast_id,
            )
            if seen is not None:
                return "again"
            busy = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM notifier.broadcasts"
                " WHERE tenant_id = $1 AND status = 'running')",
                b.tenant_id,
            )
            await conn.execute(
                "INSERT INTO notifier.broadcasts"
                " (tenant_id, broadcast_id, owner_chat_id, locale, total, status, finished_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'refused' THEN now() END)",
                b.tenant_id,
                b.broadcast_id,
                b.owner_chat_id,
                b.locale,
                b.total,
                "refused" if busy else "running",
            )
            await PgDeliveries.insert(conn, [refused] if busy else rows)
        return "busy" if busy else "started"

    async def stop(self, tenant_id: str, broadcast_id: int) -> int:
        async with service_tx(self._pool) as conn:
            await conn.execute(
                "UPDATE notifier.broadcasts SET stopped = true"
                " WHERE tenant_id = $1 AND broadcast_id = $2 AND status = 'running'",
                tenant_id,
                broadcast_id,
            )
            result = await conn.execute(
                "UPDATE notifier.deliveries SET status = 'cancelled',"
                " last_error = 'the owner stopped the broadcast'"
                " WHERE tenant_id = $1 AND ref = $2 AND kind = 'broadcast' AND status = 'pending'",
                tenant_id,
                broadcast_ref(broadcast_id),
            )
        return int(result.split()[-1])

    async def running(self) -> list[Running]:
        return [
            Running(
                broadcast=Broadcast(
                    tenant_id=r["tenant_id"],
                    broadcast_id=r["broadcast_id"],
                    owner_chat_id=r["owner_chat_id"],
                    locale=r["locale"],
                    total=r["total"],
                ),
                stopped=r["stopped"],
                shown=r["shown"],
                shown_at=r["shown_at"],
                progress_message_id=r["progress_message_id"],
                progress_waits=r["progress_status"] in ("pending", "sending"),
            )
            for r in await self._pool.fetch(_RUNNING)
        ]

    async def tally(self, tenant_id: str, broadcast_id: int) -> Tally:
        counts = {
            r["status"]: int(r["n"])
            for r in await self._pool.fetch(_TALLY, tenant_id, broadcast_ref(broadcast_id))
        }
        return Tally(
            sent=counts.get("sent", 0),
            blocked=counts.get("blocked", 0),
            failed=counts.get("failed", 0),
            cancelled=counts.get("cancelled", 0),
            left=counts.get("pending", 0) + counts.get("sending", 0),
        )

    async def shown(self, tenant_id: str, broadcast_id: int, text: str, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE notifier.broadcasts SET shown = $3, shown_at = $4"
            " WHERE tenant_id = $1 AND broadcast_id = $2",
            tenant_id,
            broadcast_id,
            text,
            at,
        )

    async def finish(
        self, tenant_id: str, broadcast_id: int, text: str, report: NewDelivery
    ) -> bool:
        async with service_tx(self._pool) as conn:
            result = await conn.execute(
                "UPDATE notifier.broadcasts SET status = 'done', shown = $3, finished_at = now()"
                " WHERE tenant_id = $1 AND broadcast_id = $2 AND status = 'running'",
                tenant_id,
                broadcast_id,
                text,
            )
            if result != "UPDATE 1":
                return False
            await PgDeliveries.insert(conn, [report])
        return True

    async def opted_out(self, tenant_id: str, chat_ids: Sequence[int]) -> set[int]:
        rows = await self._pool.fetch(
            "SELECT chat_id FROM notifier.bulk_optouts WHERE tenant_id = $1"
            " AND chat_id = ANY($2::bigint[])",
            tenant_id,
            list(chat_ids),
        )
        return {int(r["chat_id"]) for r in rows}

    async def set_opted_out(self, tenant_id: str, chat_id: int, *, opted_out: bool) -> int:
        async with service_tx(self._pool) as conn:
            if not opted_out:
                await conn.execute(
                    "DELETE FROM notifier.bulk_optouts WHERE tenant_id = $1 AND chat_id = $2",
                    tenant_id,
                    chat_id,
                )
                return 0
            await conn.execute(
                "INSERT INTO notifier.bulk_optouts (tenant_id, chat_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                tenant_id,
                chat_id,
            )
            result = await conn.execute(
                "UPDATE notifier.deliveries SET status = 'cancelled',"
                " last_error = 'the customer opted out of bulk messages'"
                " WHERE tenant_id = $1 AND chat_id = $2 AND status = 'pending'"
                " AND kind = ANY($3::text[])",
                tenant_id,
                chat_id,
                list(BULK_KINDS),
            )
        return int(result.split()[-1])

    async def chat_back(self, tenant_id: str, chat_id: int) -> bool:
        async with service_tx(self._pool) as conn:
            result = await conn.execute(
                "DELETE FROM notifier.blocked_chats"
                " WHERE tenant_id = $1 AND via = 'tenant' AND chat_id = $2",
                tenant_id,
                chat_id,
            )
        return bool(result != "DELETE 0")

    async def set_winback(self, tenant_id: str, service_id: int, days: int | None) -> None:
        if days is None:
            await self._pool.execute(
                "DELETE FROM notifier.winback_rules WHERE tenant_id = $1 AND service_id = $2",
                tenant_id,
                service_id,
            )
            return
        await self._pool.execute(
            "INSERT INTO notifier.winback_rules (tenant_id, service_id, days) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id, service_id) DO UPDATE SET days = EXCLUDED.days",
            tenant_id,
            service_id,
            days,
        )

    async def winback_days(self, tenant_id: str, service_id: int) -> int | None:
        days: int | None = await self._pool.fetchval(
            "SELECT days FROM notifier.winback_rules WHERE tenant_id = $1 AND service_id = $2",
            tenant_id,
            service_id,
        )
        return days

    async def cancel_winbacks(self, tenant_id: str, chat_id: int, keep_ref: str) -> int:
        result = await self._pool.execute(_SUPPRESS_WINBACKS, tenant_id, chat_id, keep_ref)
        return int(result.split()[-1])

    async def restore_winbacks(self, tenant_id: str, chat_id: int, ref: str, due: datetime) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_UNSUPPRESS, tenant_id, chat_id, ref)
            result = await conn.execute(_RESTORE_WINBACKS, tenant_id, chat_id, due)
        return int(result.split()[-1])
