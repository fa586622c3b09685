"""`use_cases.admin.closure_ports.ClosureStore` on Postgres: closures, what they close
(blocked_ranges / days_off rows pointing back at them) and the bookings they covered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from services.booking.adapters.audit_sql import AuditSql
from services.booking.adapters.slotwait_sql import SlotWaitSql
from services.booking.use_cases.admin.closure_ports import (
    CLOSURE_REASON,
    ClosureKind,
    ClosureRow,
    Covered,
    Decision,
)
from shared.db import tenant_tx
from shared.outbox import enqueue

# A cancel claims its rows first; a claim this old whose booking is still confirmed was
# interrupted (a crash between the claim and the cancel) and may be decided again.
CLAIM_SECONDS = 60

_CLOSURE = """
SELECT c.id, c.master_id, coalesce(m.name, '') AS master_name, c.kind, c.first_day, c.last_day,
       (SELECT count(*) FROM closure_bookings AS cb JOIN bookings AS b ON b.id = cb.booking_id
        WHERE cb.closure_id = c.id AND cb.decision = 'pending' AND b.status = 'confirmed')
       AS pending
FROM closures AS c LEFT JOIN masters AS m ON m.id = c.master_id
"""

_COVERED = """
SELECT b.id, b.starts_at, b.service_id, s.name AS service_name, b.master_id,
       cu.name AS customer_name, cu.telegram_id, cu.language_code,
       -- a claimed cancel whose booking is still confirmed was interrupted: undecided again
       CASE WHEN cb.decision = 'cancelled' THEN 'pending' ELSE cb.decision END AS decision
FROM closure_bookings AS cb
JOIN bookings AS b ON b.id = cb.booking_id
JOIN services AS s ON s.id = b.service_id
JOIN customers AS cu ON cu.id = b.customer_id
WHERE cb.closure_id = $1 AND b.status = 'confirmed'
ORDER BY cb.decision <> 'pending', b.starts_at, b.id
"""


def _row(row: asyncpg.Record) -> ClosureRow:
    return ClosureRow(
        id=row["id"],
        master_id=row["master_id"],
        master_name=row["master_name"],
        kind=row["kind"],
        first_day=row["first_day"],
        last_day=row["last_day"],
        pending=row["pending"],
    )


class PgClosureSession(AuditSql, SlotWaitSql):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await enqueue(self._conn, subject, event, msg_id=msg_id)

    async def timezone(self) -> str:
        zone: str = await self._conn.fetchval("SELECT timezone FROM business")
        return zone

    async def master_name(self, master_id: int) -> str | None:
        name: str | None = await self._conn.fetchval(
            "SELECT name FROM masters WHERE id = $1", master_id
        )
        return name

    async def add_closure(
        self,
        *,
        master_id: int | None,
        kind: ClosureKind,
        first_day: date,
        last_day: date,
        created_by: int,
    ) -> int:
        closure_id: int = await self._conn.fetchval(
            "INSERT INTO closures (master_id, kind, first_day, last_day, created_by)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            master_id,
            kind,
            first_day,
            last_day,
            created_by,
        )
        return closure_id

    async def block(
        self, closure_id: int, master_id: int, starts_at: datetime, ends_at: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO blocked_ranges (master_id, during, closure_id, reason)"
            " VALUES ($1, tstzrange($2, $3, '[)'), $4, $5)",
            master_id,
            starts_at,
            ends_at,
            closure_id,
            CLOSURE_REASON,
        )

    async def close_days(self, closure_id: int, days: list[date]) -> None:
        await self._conn.execute(
            "INSERT INTO days_off (master_id, day, closure_id)"
            " SELECT NULL, d, $1 FROM unnest($2::date[]) AS d"
            " ON CONFLICT (master_id, day) DO NOTHING",
            closure_id,
            days,
        )

    async def confirmed_between(
        self, master_id: int | None, starts_at: datetime, ends_at: datetime, *, after: datetime
    ) -> list[tuple[int, int, datetime, datetime]]:
        rows = await self._conn.fetch(
            "SELECT id, service_id, starts_at, ends_at FROM bookings"
            " WHERE status = 'confirmed' AND ($1::int IS NULL OR master_id = $1)"
            " AND tstzrange(starts_at, ends_at, '[)') && tstzrange($2, $3, '[)')"
            " AND starts_at > $4 ORDER BY starts_at, id",
            master_id,
            starts_at,
            ends_at,
            after,
        )
        return [(r["id"], r["service_id"], r["starts_at"], r["ends_at"]) for r in rows]

    async def attach(self, closure_id: int, booking_ids: list[int]) -> None:
        await self._conn.execute(
            "INSERT INTO closure_bookings (closure_id, booking_id)"
            " SELECT $1, b FROM unnest($2::bigint[]) AS b ON CONFLICT DO NOTHING",
            closure_id,
            booking_ids,
        )

    async def already_asked(self, booking_ids: list[int]) -> set[int]:
        rows = await self._conn.fetch(
            "SELECT DISTINCT booking_id FROM closure_bookings"
            " WHERE booking_id = ANY($1::bigint[]) AND decision IN ('pending', 'kept')",
            booking_ids,
        )
        return {r["booking_id"] for r in rows}

    async def closure(self, closure_id: int) -> ClosureRow | None:
        row = await self._conn.fetchrow(f"{_CLOSURE} WHERE c.id = $1", closure_id)
        return None if row is None else _row(row)

    async def closures_from(self, day: date) -> list[ClosureRow]:
        rows = await self._conn.fetch(
            f"{_CLOSURE} WHERE c.last_day >= $1 ORDER BY c.first_day, c.id LIMIT 20", day
        )
        return [_row(r) for r in rows]

    async def covered(self, closure_id: int) -> list[Covered]:
        rows = await self._conn.fetch(_COVERED, closure_id)
        return [
            Covered(
                booking_id=r["id"],
                starts_at=r["starts_at"],
                service_id=r["service_id"],
                service_name=r["service_name"],
                master_id=r["master_id"],
                customer_name=r["customer_name"],
                customer_chat_id=r["telegram_id"],
                language_code=r["language_code"],
                decision=r["decision"],
            )
            for r in rows
        ]

    async def decide(
        self, closure_id: int, booking_ids: list[int], decision: Decision
    ) -> list[int]:
        rows = await self._conn.fetch(
            "UPDATE closure_bookings SET decision = $3, decided_at = now()"
            " WHERE closure_id = $1 AND booking_id = ANY($2::bigint[])"
            " AND (decision = 'pending' OR (decision = 'cancelled'"
            "      AND decided_at < now() - make_interval(secs => $4)))"
            " RETURNING booking_id",
            closure_id,
            booking_ids,
            decision,
            CLAIM_SECONDS,
        )
        return [r["booking_id"] for r in rows]

    async def remove(self, closure_id: int) -> None:
        await self._conn.execute("DELETE FROM closures WHERE id = $1", closure_id)


class PgClosureStore:
    """One tenant's closures, a transaction at a time."""

    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgClosureSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgClosureSession(conn)
