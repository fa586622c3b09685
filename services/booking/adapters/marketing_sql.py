"""SQL of broadcasts, win-back settings and the bulk opt-out (`use_cases.admin.marketing_ports`).

A broadcast goes to customers who talk to the bot (`telegram_id`), have not opted out of bulk
messages and are not blocked. A visit is a booking that was kept (confirmed or completed) and
has ended; "not seen for N days" means visited before, with no visit or booking since.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters.admin_store import PgAdminSession
from services.booking.use_cases.admin.marketing_ports import (
    Audience,
    NewBroadcast,
    ServiceWinback,
)
from shared.db import tenant_tx

_KEPT = "b.customer_id = c.id AND b.status IN ('confirmed', 'completed')"
_RECIPIENTS = f"""
SELECT c.telegram_id FROM customers AS c
WHERE c.telegram_id IS NOT NULL AND c.blocked_at IS NULL AND c.bulk_optout_at IS NULL
  AND c.bot_blocked_at IS NULL
  AND CASE $1
    WHEN 'all' THEN true
    WHEN 'recent' THEN EXISTS (
        SELECT 1 FROM bookings AS b WHERE {_KEPT} AND b.ends_at <= $3
          AND b.starts_at >= $3 - make_interval(days => $2))
    WHEN 'lapsed' THEN EXISTS (
        SELECT 1 FROM bookings AS b WHERE {_KEPT} AND b.ends_at <= $3)
      AND NOT EXISTS (
        SELECT 1 FROM bookings AS b WHERE {_KEPT}
          AND b.starts_at >= $3 - make_interval(days => $2))
    WHEN 'master' THEN EXISTS (SELECT 1 FROM bookings AS b WHERE {_KEPT} AND b.master_id = $2)
    WHEN 'service' THEN EXISTS (SELECT 1 FROM bookings AS b WHERE {_KEPT} AND b.service_id = $2)
    ELSE false
  END
ORDER BY c.id
"""
_ADD = """
INSERT INTO broadcasts (created_by, text, photo, book_button, audience, audience_value, recipients)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
"""
_WINBACKS = "SELECT id, name, winback_days FROM services WHERE active ORDER BY sort_order, id"


class MarketingSql:
    _conn: asyncpg.Connection

    async def recipients(self, audience: Audience, now: datetime) -> list[int]:
        rows = await self._conn.fetch(_RECIPIENTS, audience.kind, audience.value, now)
        return [int(r["telegram_id"]) for r in rows]

    async def add_broadcast(self, broadcast: NewBroadcast) -> int:
        b = broadcast
        value: int = await self._conn.fetchval(
            _ADD,
            b.created_by,
            b.text,
            b.photo,
            b.book_button,
            b.audience.kind,
            b.audience.value,
            b.recipients,
        )
        return value

    async def mark_stopped(self, broadcast_id: int) -> bool:
        result = await self._conn.execute(
            "UPDATE broadcasts SET stopped_at = now() WHERE id = $1 AND stopped_at IS NULL",
            broadcast_id,
        )
        return bool(result == "UPDATE 1")

    async def winbacks(self) -> list[ServiceWinback]:
        return [
            ServiceWinback(id=r["id"], name=r["name"], days=r["winback_days"])
            for r in await self._conn.fetch(_WINBACKS)
        ]

    async def set_winback(self, service_id: int, days: int | None) -> ServiceWinback | None:
        row = await self._conn.fetchrow(
            "UPDATE services SET winback_days = $2 WHERE id = $1 RETURNING id, name, winback_days",
            service_id,
            days,
        )
        return None if row is None else ServiceWinback(row["id"], row["name"], row["winback_days"])

    async def set_bulk_optout(self, telegram_id: int, *, opted_out: bool) -> bool:
        result = await self._conn.execute(
            "UPDATE customers SET bulk_optout_at = CASE WHEN $2 THEN now() END"
            " WHERE telegram_id = $1 AND (bulk_optout_at IS NULL) = $2",
            telegram_id,
            opted_out,
        )
        return bool(result == "UPDATE 1")

    async def broadcast_running(self, max_age: timedelta) -> bool:
        # one sender at a time per tenant schema: the second waits, then sees the first's row
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':broadcast'))"
        )
        found = await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM broadcasts WHERE created_at > now() - $1::interval"
            " AND stopped_at IS NULL AND finished_at IS NULL)",
            max_age,
        )
        return bool(found)

    async def mark_bot_blocked(self, telegram_id: int) -> bool:
        result = await self._conn.execute(
            "UPDATE customers SET bot_blocked_at = now()"
            " WHERE telegram_id = $1 AND bot_blocked_at IS NULL",
            telegram_id,
        )
        return bool(result == "UPDATE 1")

    async def mark_broadcast_finished(self, broadcast_id: int) -> bool:
        result = await self._conn.execute(
            "UPDATE broadcasts SET finished_at = now() WHERE id = $1 AND finished_at IS NULL",
            broadcast_id,
        )
        return bool(result == "UPDATE 1")


class PgMarketingSession(PgAdminSession, MarketingSql):
    pass


class PgMarketingStore:
    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgMarketingSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgMarketingSession(conn)
