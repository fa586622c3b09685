"""SQL of the client base (`use_cases.admin.clients_ports`): each customer's figures computed
from the tenant's own `bookings`, the segments, blocking and tags, and the export rows.

Segments (`LAPSED_DAYS` = 90): new = at most one completed visit; regular = two or more
completed visits and either one in the last 90 days or one booked ahead; lapsed = at least one
completed visit, none in the last 90 days and nothing booked ahead; blocked = blocked from
booking online. Blocked customers are only in «blocked» (and «all»). gone = blocked the bot
(the notifier found out; cleared when they write to it again).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters.desk_sql import PgDeskSession
from services.booking.use_cases.admin.clients_ports import (
    LAPSED_DAYS,
    BookingExportRow,
    ClientQuery,
    ClientRow,
    CustomerExportRow,
)
from shared.db import tenant_tx

_STATS = """
SELECT c.id, c.name, c.phone, coalesce(c.source, '') AS source, c.first_seen, c.tags, c.note,
       c.blocked_at IS NOT NULL AS blocked, c.bot_blocked_at IS NOT NULL AS bot_blocked,
       count(b.id) FILTER (WHERE b.status = 'completed') AS visits,
       count(b.id) FILTER (WHERE b.status = 'cancelled') AS cancels,
       count(b.id) FILTER (WHERE b.status = 'no_show') AS no_shows,
       coalesce(sum(b.price_kopecks) FILTER (WHERE b.status = 'completed'), 0)::bigint AS spend,
       max(b.starts_at) FILTER (WHERE b.status = 'completed') AS last_visit,
       min(b.starts_at) FILTER (WHERE b.status = 'confirmed' AND b.starts_at >= $1) AS next_visit
FROM customers c LEFT JOIN bookings b ON b.customer_id = c.id
"""
_LIST = f"""
WITH stats AS (
    {_STATS}
    WHERE ($2 = '' AND $3 = '')
       OR ($2 <> '' AND c.name ILIKE '%' || $2 || '%' ESCAPE '\\')
       OR ($3 <> '' AND c.phone <> ''
           AND regexp_replace(c.phone, '\\D', '', 'g') LIKE '%' || $3 || '%')
    GROUP BY c.id
)
SELECT id, name, phone, visits, last_visit, next_visit, blocked, bot_blocked,
       count(*) OVER () AS total
FROM stats
WHERE CASE $4
    WHEN 'new' THEN NOT blocked AND visits <= 1
    WHEN 'reg' THEN NOT blocked AND visits >= 2
        AND (next_visit IS NOT NULL OR last_visit >= $1 - make_interval(days => {LAPSED_DAYS}))
    WHEN 'lapsed' THEN NOT blocked AND visits >= 1 AND next_visit IS NULL
        AND last_visit < $1 - make_interval(days => {LAPSED_DAYS})
    WHEN 'blocked' THEN blocked
    WHEN 'gone' THEN bot_blocked
    ELSE true
END
ORDER BY lower(name), id
OFFSET $5 LIMIT $6
"""
_EXPORT_CUSTOMERS = f"{_STATS} GROUP BY c.id ORDER BY c.id"
_EXPORT_BOOKINGS = """
SELECT b.id, b.starts_at, b.ends_at, s.name AS service, m.name AS master, c.name AS customer,
       c.phone, b.status, coalesce(b.cancelled_by, '') AS cancelled_by, b.price_kopecks,
       b.source, b.created_at
FROM bookings b
JOIN services s ON s.id = b.service_id
JOIN masters m ON m.id = b.master_id
JOIN customers c ON c.id = b.customer_id
WHERE b.starts_at >= $1 AND b.starts_at < $2
ORDER BY b.starts_at, b.id
"""


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ClientsSql:
    _conn: asyncpg.Connection

    async def client_rows(self, query: ClientQuery) -> tuple[list[ClientRow], int]:
        rows = await self._conn.fetch(
            _LIST,
            query.now,
            _like(query.text),
            query.digits,
            query.segment,
            query.offset,
            query.limit,
        )
        total = rows[0]["total"] if rows else 0
        if not rows and query.offset:
            counted = await self._conn.fetchval(
                f"SELECT count(*) FROM ({_LIST.replace('OFFSET $5 LIMIT $6', '')}) AS page",
                query.now,
                _like(query.text),
                query.digits,
                query.segment,
            )
            total = int(counted or 0)
        found = [
            ClientRow(
                id=r["id"],
                name=r["name"],
                phone=r["phone"],
                visits=r["visits"],
                last_visit=r["last_visit"],
                next_visit=r["next_visit"],
                blocked=r["blocked"],
                bot_blocked=r["bot_blocked"],
            )
            for r in rows
        ]
        return found, total

    async def set_blocked(self, customer_id: int, *, blocked: bool) -> None:
        await self._conn.execute(
            "UPDATE customers SET blocked_at = CASE WHEN $2 THEN coalesce(blocked_at, now()) END,"
            " updated_at = now() WHERE id = $1",
            customer_id,
            blocked,
        )

    async def set_tags(self, customer_id: int, tags: tuple[str, ...]) -> None:
        await self._conn.execute(
            "UPDATE customers SET tags = $2, updated_at = now() WHERE id = $1",
            customer_id,
            list(tags),
        )

    async def customers_export(self, now: datetime) -> list[CustomerExportRow]:
        return [
            CustomerExportRow(
                id=r["id"],
                name=r["name"],
                phone=r["phone"],
                source=r["source"],
                first_seen=r["first_seen"],
                visits=r["visits"],
                cancels=r["cancels"],
                no_shows=r["no_shows"],
                spend_kopecks=r["spend"],
                last_visit=r["last_visit"],
                next_visit=r["next_visit"],
                tags=tuple(r["tags"]),
                blocked=r["blocked"],
                note=r["note"],
            )
            for r in await self._conn.fetch(_EXPORT_CUSTOMERS, now)
        ]

    async def bookings_export(self, lo: datetime, hi: datetime) -> list[BookingExportRow]:
        return [
            BookingExportRow(**dict(r)) for r in await self._conn.fetch(_EXPORT_BOOKINGS, lo, hi)
        ]


class PgClientsSession(PgDeskSession, ClientsSql):
    pass


class PgClientsStore:
    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgClientsSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgClientsSession(conn)
