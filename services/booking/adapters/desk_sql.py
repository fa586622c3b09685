"""SQL of the front desk (`use_cases.admin.desk_ports.DeskStore`): customers found by phone or
name and entered by staff, their visit count and note, bookings made and moved by staff, and
the week grid's schedule. Runs inside `tenant_tx`; the session is the admin session plus this.

Phones are compared by their last ten digits (`+7 912 …`, `8 912 …` and `912 …` are one number),
which the `customers_phone_tail_idx` index serves for a whole number; a search by the last
few digits scans the tenant's customers (a small table).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters import booking_repo, schedule_repo
from services.booking.adapters.admin_store import PgAdminSession
from services.booking.adapters.booking_sql import BookingSql
from services.booking.domain.entities import Booking, Customer, MasterInfo
from services.booking.domain.model import (
    DayInterval,
    MasterSchedule,
    UtcRange,
    WeeklyInterval,
)
from services.booking.use_cases.admin.desk_ports import CustomerFacts, Visit
from services.booking.use_cases.admin.ports import MasterRow
from shared.db import tenant_tx

_CUSTOMER = "id, telegram_id, name, phone, language_code, source, first_seen"
_TAIL = "right(regexp_replace(phone, '\\D', '', 'g'), 10)"
_FIND = f"""
SELECT {_CUSTOMER} FROM customers
WHERE ($1 <> '' AND phone <> '' AND {_TAIL} LIKE '%' || $1)
   OR ($2 <> '' AND name ILIKE '%' || $2 || '%')
ORDER BY name, id LIMIT $3
"""
_BY_PHONE = f"""
SELECT {_CUSTOMER} FROM customers WHERE phone <> '' AND {_TAIL} = $1 ORDER BY id LIMIT 1
"""
_ADD = f"""
INSERT INTO customers (telegram_id, name, phone) VALUES (NULL, $1, $2) RETURNING {_CUSTOMER}
"""
_FACTS = """
SELECT count(b.id) FILTER (WHERE b.status = 'completed') AS visits,
       count(b.id) FILTER (WHERE b.status = 'no_show') AS no_shows,
       count(b.id) FILTER (WHERE b.status = 'cancelled') AS cancels,
       coalesce(sum(b.price_kopecks) FILTER (WHERE b.status = 'completed'), 0)::bigint AS spend,
       max(b.starts_at) FILTER (WHERE b.status = 'completed') AS last_visit,
       min(b.starts_at) FILTER (WHERE b.status = 'confirmed'
                                AND b.starts_at >= coalesce($2::timestamptz, now()))
           AS next_visit,
       c.note, c.source, c.tags, c.blocked_at IS NOT NULL AS blocked,
       c.bot_blocked_at IS NOT NULL AS bot_blocked
FROM customers c LEFT JOIN bookings b ON b.customer_id = c.id
WHERE c.id = $1
GROUP BY c.id
"""
_WEEKLY = """
SELECT true AS is_hours, master_id, weekday, starts, ends
FROM working_hours WHERE master_id = ANY($1::int[])
UNION ALL
SELECT false, master_id, weekday, starts, ends FROM breaks WHERE master_id = ANY($1::int[])
"""
_DAYS = """
SELECT master_id, day, NULL::time AS starts, NULL::time AS ends FROM days_off
WHERE (master_id = ANY($1::int[]) OR master_id IS NULL) AND day BETWEEN $2 AND $3
UNION ALL
SELECT master_id, day, starts, ends FROM changed_hours
WHERE master_id = ANY($1::int[]) AND day BETWEEN $2 AND $3
"""
_BLOCKED = """
SELECT master_id, lower(during) AS lo, upper(during) AS hi FROM blocked_ranges
WHERE (master_id = ANY($1::int[]) OR master_id IS NULL) AND during && tstzrange($2, $3)
"""
_VISITS = """
SELECT master_id, starts_at, ends_at FROM bookings
WHERE master_id = ANY($1::int[]) AND status IN ('confirmed', 'completed')
  AND starts_at < $3 AND ends_at > $2
ORDER BY starts_at
"""


def _customer(row: asyncpg.Record) -> Customer:
    return Customer(**dict(row))


class DeskSql(BookingSql):
    _conn: asyncpg.Connection

    async def find_customers(self, *, phone_tail: str, name: str, limit: int) -> list[Customer]:
        return [_customer(r) for r in await self._conn.fetch(_FIND, phone_tail, name, limit)]

    async def customer_by_id(self, customer_id: int) -> Customer | None:
        row = await self._conn.fetchrow(
            f"SELECT {_CUSTOMER} FROM customers WHERE id = $1", customer_id
        )
        return None if row is None else _customer(row)

    async def customer_by_phone(self, phone_tail: str) -> Customer | None:
        row = await self._conn.fetchrow(_BY_PHONE, phone_tail)
        return None if row is None else _customer(row)

    async def add_customer(self, *, name: str, phone: str) -> Customer:
        return _customer(await self._conn.fetchrow(_ADD, name, phone))

    async def customer_facts(self, customer_id: int, now: datetime | None = None) -> CustomerFacts:
        row = await self._conn.fetchrow(_FACTS, customer_id, now)
        if row is None:
            return CustomerFacts(visits=0, no_shows=0, note="")
        return CustomerFacts(
            visits=row["visits"],
            no_shows=row["no_shows"],
            note=row["note"] or "",
            cancels=row["cancels"],
            spend_kopecks=row["spend"],
            source=row["source"],
            last_visit=row["last_visit"],
            next_visit=row["next_visit"],
            tags=tuple(row["tags"]),
            blocked=row["blocked"],
            bot_blocked=row["bot_blocked"],
        )

    async def set_note(self, customer_id: int, note: str) -> None:
        await self._conn.execute(
            "UPDATE customers SET note = $2, updated_at = now() WHERE id = $1", customer_id, note
        )

    async def masters_of_service(self, service_id: int) -> list[MasterInfo]:
        return await schedule_repo.masters_for_service(self._conn, service_id)

    async def move_booking(self, booking_id: int, *, starts_at: datetime, actor: str) -> Booking:
        return await booking_repo.reschedule_booking(
            self._conn, booking_id, starts_at=starts_at, actor=actor
        )

    async def week_schedules(
        self, master_ids: list[int], first_day: date, last_day: date
    ) -> list[MasterSchedule]:
        hours: dict[int, list[WeeklyInterval]] = defaultdict(list)
        breaks: dict[int, list[WeeklyInterval]] = defaultdict(list)
        for row in await self._conn.fetch(_WEEKLY, master_ids):
            target = hours if row["is_hours"] else breaks
            target[row["master_id"]].append(
                WeeklyInterval(row["weekday"], row["starts"], row["ends"])
            )
        everyone_off: set[date] = set()
        days_off: dict[int, set[date]] = defaultdict(set)
        changed: dict[int, list[DayInterval]] = defaultdict(list)
        for row in await self._conn.fetch(_DAYS, master_ids, first_day, last_day):
            if row["starts"] is None:
                (everyone_off if row["master_id"] is None else days_off[row["master_id"]]).add(
                    row["day"]
                )
            else:
                changed[row["master_id"]].append(
                    DayInterval(row["day"], row["starts"], row["ends"])
                )
        lo = datetime.combine(first_day - timedelta(days=1), time(), tzinfo=UTC)
        hi = datetime.combine(last_day + timedelta(days=2), time(), tzinfo=UTC)
        everyone_blocked: list[UtcRange] = []
        blocked: dict[int, list[UtcRange]] = defaultdict(list)
        for row in await self._conn.fetch(_BLOCKED, master_ids, lo, hi):
            span = UtcRange(row["lo"], row["hi"])
            (everyone_blocked if row["master_id"] is None else blocked[row["master_id"]]).append(
                span
            )
        return [
            MasterSchedule(
                master_id=mid,
                weekly_hours=tuple(hours[mid]),
                breaks=tuple(breaks[mid]),
                days_off=frozenset(days_off[mid] | everyone_off),
                changed_hours=tuple(changed[mid]),
                blocked=(*blocked[mid], *everyone_blocked),
            )
            for mid in master_ids
        ]

    async def visits_between(
        self, master_ids: list[int], lo: datetime, hi: datetime
    ) -> list[Visit]:
        rows = await self._conn.fetch(_VISITS, master_ids, lo, hi)
        return [Visit(r["master_id"], r["starts_at"], r["ends_at"]) for r in rows]

    async def active_masters(self) -> list[MasterRow]:
        rows = await self._conn.fetch(
            "SELECT id, name, active FROM masters WHERE active ORDER BY sort_order, id"
        )
        return [MasterRow(id=r["id"], name=r["name"], active=r["active"]) for r in rows]


class PgDeskSession(PgAdminSession, DeskSql):
    pass


class PgDeskStore:
    """One tenant's data for the front desk, a transaction at a time."""

    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgDeskSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgDeskSession(conn)
