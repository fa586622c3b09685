"""`use_cases.owner.ports.OwnerStore` on Postgres: one `tenant_tx` per `transaction()`.

The SQL of the setup wizard, the waitlist of a business not open yet, language and time zone,
and the owner's reviews list; all of it unqualified, run inside the tenant's transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time
from typing import Literal, cast

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from services.booking.adapters.audit_sql import AuditSql
from services.booking.use_cases.owner.ports import (
    Average,
    Opening,
    ReviewLine,
    Step,
    Suggestion,
    WaitingCustomer,
)
from shared.db import tenant_tx
from shared.errors import NotFound
from shared.outbox import enqueue

_OPENING = """
SELECT b.name, b.locale, b.timezone, b.setup_step, b.business_type,
       b.setup_done_at IS NOT NULL AS set_up,
       EXISTS (
           SELECT 1 FROM services AS s
           JOIN master_services AS ms ON ms.service_id = s.id
           JOIN masters AS m ON m.id = ms.master_id AND m.active
           WHERE s.active AND EXISTS (SELECT 1 FROM working_hours AS h WHERE h.master_id = m.id)
       ) AS ready,
       EXISTS (SELECT 1 FROM staff_members WHERE telegram_id = $1 AND role = 'owner') AS is_owner
FROM business AS b WHERE b.id = 1
"""
_SET_STEP = """
UPDATE business SET setup_step = $1,
    business_type = coalesce($2, business_type),
    setup_done_at = CASE WHEN $1 = 'done' THEN coalesce(setup_done_at, now()) END
WHERE id = 1
"""
_CATALOG = """
SELECT id, name, duration_min, price_kopecks, active AS on FROM services ORDER BY sort_order, id
"""
_ADD_SERVICE = """
INSERT INTO services (name, duration_min, price_kopecks, sort_order)
VALUES ($1, $2, $3, (SELECT coalesce(max(sort_order), 0) + 10 FROM services))
RETURNING id
"""
_SERVICE_TO_MASTERS = """
INSERT INTO master_services (master_id, service_id)
SELECT m.id, $1 FROM masters AS m WHERE m.active ON CONFLICT DO NOTHING
"""
_ADD_MASTER = """
INSERT INTO masters (name, sort_order)
VALUES ($1, (SELECT coalesce(max(sort_order), 0) + 10 FROM masters))
RETURNING id
"""
_MASTER_TO_SERVICES = """
INSERT INTO master_services (master_id, service_id)
SELECT $1, s.id FROM services AS s WHERE s.active ON CONFLICT DO NOTHING
"""
_FILL_HOURS = """
WITH bare AS (
    SELECT m.id FROM masters AS m
    WHERE m.active AND NOT EXISTS (SELECT 1 FROM working_hours AS h WHERE h.master_id = m.id)
), added AS (
    INSERT INTO working_hours (master_id, weekday, starts, ends)
    SELECT bare.id, d, $2, $3 FROM bare CROSS JOIN unnest($1::smallint[]) AS d
    RETURNING master_id
)
SELECT count(DISTINCT master_id) FROM added
"""
_CUSTOMER = """
INSERT INTO customers (telegram_id, language_code) VALUES ($1, $2)
ON CONFLICT (telegram_id) DO UPDATE SET
    language_code = CASE WHEN EXCLUDED.language_code <> '' THEN EXCLUDED.language_code
                         ELSE customers.language_code END,
    updated_at = now()
RETURNING id
"""
_JOIN = """
INSERT INTO waitlist (customer_id, chat_id, locale) VALUES ($1, $2, $3)
ON CONFLICT (customer_id) DO UPDATE SET told_at = NULL, asked_at = now(), locale = $3
    WHERE waitlist.told_at IS NOT NULL
RETURNING customer_id
"""
_WAITING = """
SELECT customer_id, chat_id, locale FROM waitlist WHERE told_at IS NULL
ORDER BY asked_at FOR UPDATE SKIP LOCKED
"""
_UPCOMING = """
SELECT count(*), min(starts_at) FROM bookings WHERE status = 'confirmed' AND starts_at > $1
"""
_REVIEWS = """
SELECT r.stars, r.comment, r.created_at, b.starts_at AS visited_at,
       c.name AS customer, m.name AS master, s.name AS service
FROM reviews AS r
JOIN bookings AS b ON b.id = r.booking_id
JOIN customers AS c ON c.id = r.customer_id
JOIN masters AS m ON m.id = b.master_id
JOIN services AS s ON s.id = b.service_id
WHERE ($1::int IS NULL OR b.master_id = $1)
ORDER BY r.created_at DESC, r.id DESC
LIMIT $2 OFFSET $3
"""
_OVERALL = """
SELECT '' AS label, coalesce(avg(r.stars), 0)::float8 AS stars, count(*) AS count
FROM reviews AS r JOIN bookings AS b ON b.id = r.booking_id
WHERE ($1::int IS NULL OR b.master_id = $1)
"""
_PER_MASTER = """
SELECT m.name AS label, avg(r.stars)::float8 AS stars, count(*) AS count
FROM reviews AS r JOIN bookings AS b ON b.id = r.booking_id JOIN masters AS m ON m.id = b.master_id
WHERE ($1::int IS NULL OR b.master_id = $1)
GROUP BY m.id, m.name ORDER BY m.sort_order, m.id
"""
_CONTACT = {
    "address": "UPDATE business SET address = $1 WHERE id = 1",
    "phone": "UPDATE business SET phone = $1 WHERE id = 1",
}

_CONTACT_NOW = {
    "address": "SELECT address FROM business WHERE id = 1",
    "phone": "SELECT phone FROM business WHERE id = 1",
}


class PgOwnerSession(AuditSql):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await enqueue(self._conn, subject, event, msg_id=msg_id)

    async def opening(self, telegram_id: int) -> Opening:
        row = await self._conn.fetchrow(_OPENING, telegram_id)
        if row is None:
            raise NotFound("business", "1")
        return Opening(
            name=row["name"],
            locale=row["locale"],
            timezone=row["timezone"],
            ready=row["ready"],
            set_up=row["set_up"],
            step=cast(Step, row["setup_step"]),
            business_type=row["business_type"],
            is_owner=row["is_owner"],
        )

    async def set_step(self, step: Step, *, business_type: str | None = None) -> None:
        await self._conn.execute(_SET_STEP, step, business_type)

    async def catalog(self) -> list[Suggestion]:
        return [Suggestion(**dict(row)) for row in await self._conn.fetch(_CATALOG)]

    async def add_service(self, name: str, duration_min: int, price_kopecks: int) -> int:
        service_id: int = await self._conn.fetchval(_ADD_SERVICE, name, duration_min, price_kopecks)
        await self._conn.execute(_SERVICE_TO_MASTERS, service_id)
        return service_id

    async def set_service_on(self, service_id: int, on: bool) -> bool:
        status = await self._conn.execute(
            "UPDATE services SET active = $2 WHERE id = $1", service_id, on
        )
        return str(status).endswith(" 1")

    async def master_ids(self) -> list[int]:
        rows = await self._conn.fetch("SELECT id FROM masters WHERE active ORDER BY sort_order, id")
        return [row["id"] for row in rows]

    async def add_master(self, name: str, *, staff_telegram_id: int | None) -> int:
        master_id: int = await self._conn.fetchval(_ADD_MASTER, name)
        await self._conn.execute(_MASTER_TO_SERVICES, master_id)
        if staff_telegram_id is not None:
            await self._conn.execute(
                "UPDATE staff_members SET master_id = $2 WHERE telegram_id = $1",
                staff_telegram_id,
                master_id,
            )
        return master_id

    async def fill_hours(self, weekdays: tuple[int, ...], starts: time, ends: time) -> int:
        count: int = await self._conn.fetchval(_FILL_HOURS, list(weekdays), starts, ends)
        return count

    async def contact(self, field: Literal["address", "phone"]) -> str:
        value: str | None = await self._conn.fetchval(_CONTACT_NOW[field])
        return value or ""

    async def set_contact(self, field: Literal["address", "phone"], value: str) -> None:
        await self._conn.execute(_CONTACT[field], value)

    async def join_waitlist(self, telegram_id: int, locale: str) -> bool:
        customer_id: int = await self._conn.fetchval(_CUSTOMER, telegram_id, locale)
        joined = await self._conn.fetchval(_JOIN, customer_id, telegram_id, locale)
        return joined is not None

    async def waiting(self) -> list[WaitingCustomer]:
        return [WaitingCustomer(**dict(row)) for row in await self._conn.fetch(_WAITING)]

    async def mark_told(self, customer_ids: list[int], at: datetime) -> None:
        await self._conn.execute(
            "UPDATE waitlist SET told_at = $2 WHERE customer_id = ANY($1::bigint[])",
            customer_ids,
            at,
        )

    async def set_locale(self, locale: str) -> None:
        await self._conn.execute("UPDATE business SET locale = $1 WHERE id = 1", locale)

    async def set_timezone(self, timezone: str) -> None:
        await self._conn.execute("UPDATE business SET timezone = $1 WHERE id = 1", timezone)

    async def upcoming(self, now: datetime) -> tuple[int, datetime | None]:
        row = await self._conn.fetchrow(_UPCOMING, now)
        return (row[0], row[1]) if row is not None else (0, None)

    async def reviews(self, *, master_id: int | None, limit: int, offset: int) -> list[ReviewLine]:
        rows = await self._conn.fetch(_REVIEWS, master_id, limit, offset)
        return [ReviewLine(**dict(row)) for row in rows]

    async def averages(self, *, master_id: int | None) -> list[Average]:
        rows = [await self._conn.fetchrow(_OVERALL, master_id)]
        rows += await self._conn.fetch(_PER_MASTER, master_id)
        return [Average(**dict(row)) for row in rows if row is not None]

    async def review_delay(self) -> int:
        minutes: int = await self._conn.fetchval("SELECT review_delay_min FROM business")
        return minutes

    async def set_review_delay(self, minutes: int) -> None:
        await self._conn.execute("UPDATE business SET review_delay_min = $1 WHERE id = 1", minutes)


class PgOwnerStore:
    """One tenant's data for the owner's screens, a transaction at a time."""

    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgOwnerSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgOwnerSession(conn)
