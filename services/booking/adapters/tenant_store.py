"""`use_cases.ports.TenantStore` on Postgres: one `tenant_tx` per `transaction()`.

Delegates to the aggregate repositories (`booking_repo`, `schedule_repo`) and adds the few
reads the customer conversation needs that they do not have (settings, staff to notify,
opening hours) and two small writes (attendance, a review's comment).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from services.booking.adapters import booking_repo, schedule_repo
from services.booking.adapters.booking_sql import BookingSql
from services.booking.adapters.prepay_sql import PrepaySql
from services.booking.adapters.slotwait_sql import SlotWaitSql
from services.booking.adapters.texts_sql import TextsSql
from services.booking.domain.entities import (
    Booking,
    CancelledBy,
    Customer,
    MasterInfo,
    Review,
    ServiceInfo,
)
from services.booking.domain.model import WeeklyInterval
from services.booking.use_cases.ports import BusinessSettings
from shared.db import tenant_tx
from shared.errors import NotFound
from shared.outbox import enqueue

_BUSINESS = """
SELECT name, address, phone, timezone, locale, horizon_days, max_active_bookings,
       cancel_cutoff_min, reschedule_cutoff_min, reminder_offsets_min, review_delay_min
FROM business WHERE id = 1
"""
_ADMINS = "SELECT telegram_id FROM staff_members WHERE role IN ('owner', 'admin') ORDER BY id"
_HOURS = """
SELECT h.weekday, h.starts, h.ends
FROM working_hours AS h JOIN masters AS m ON m.id = h.master_id
WHERE m.active
"""
_CUSTOMER = """
SELECT id, telegram_id, name, phone, language_code, source, first_seen
FROM customers WHERE telegram_id = $1
"""
_ATTENDANCE = """
UPDATE bookings SET attendance_confirmed_at = $2, updated_at = now()
WHERE id = $1 AND status = 'confirmed' AND attendance_confirmed_at IS NULL
"""
_COMMENT = """
UPDATE reviews SET comment = $3
WHERE booking_id = $1 AND customer_id = $2 AND comment = ''
"""

# A walk-in (entered by staff, no chat) with the same phone, at most one at a time, locked.
_WALK_IN = """
SELECT id FROM customers
WHERE telegram_id IS NULL AND id <> $1 AND phone <> ''
  AND right(regexp_replace(phone, '\\D', '', 'g'), 10)
    = right(regexp_replace($2, '\\D', '', 'g'), 10)
ORDER BY id LIMIT 1 FOR UPDATE
"""
# The chat's row takes over what staff knew: notes joined, tags united, the earliest first
# visit, the chat's source (else the walk-in's), a block stays a block.
_TAKE_OVER = """
UPDATE customers AS c SET
    note = left(concat_ws(E'\\n', NULLIF(c.note, ''), NULLIF(w.note, '')), 1000),
    tags = (SELECT coalesce((array_agg(DISTINCT t ORDER BY t))[1:10], '{}')
            FROM unnest(c.tags || w.tags) AS t),
    first_seen = least(c.first_seen, w.first_seen),
    source = coalesce(c.source, w.source),
    blocked_at = coalesce(c.blocked_at, w.blocked_at),
    name = CASE WHEN c.name = '' THEN w.name ELSE c.name END,
    updated_at = now()
FROM customers AS w WHERE c.id = $1 AND w.id = $2
"""


class PgTenantSession(BookingSql, TextsSql, PrepaySql, SlotWaitSql):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await enqueue(self._conn, subject, event, msg_id=msg_id)

    async def business(self) -> BusinessSettings:
        row = await self._conn.fetchrow(_BUSINESS)
        if row is None:
            raise NotFound("business", "1")
        values = dict(row)
        values["reminder_offsets_min"] = tuple(values["reminder_offsets_min"])
        return BusinessSettings(**values)

    async def clear_bot_blocked(self, telegram_id: int) -> bool:
        result = await self._conn.execute(
            "UPDATE customers SET bot_blocked_at = NULL"
            " WHERE telegram_id = $1 AND bot_blocked_at IS NOT NULL",
            telegram_id,
        )
        return bool(result == "UPDATE 1")

    async def admin_chat_ids(self) -> tuple[int, ...]:
        return tuple(row["telegram_id"] for row in await self._conn.fetch(_ADMINS))

    async def weekly_hours(self) -> list[WeeklyInterval]:
        rows = await self._conn.fetch(_HOURS)
        return [WeeklyInterval(row["weekday"], row["starts"], row["ends"]) for row in rows]

    async def services(self) -> list[ServiceInfo]:
        return await schedule_repo.list_active_services(self._conn)

    async def masters(self, service_id: int) -> list[MasterInfo]:
        return await schedule_repo.masters_for_service(self._conn, service_id)

    async def customer(self, telegram_id: int) -> Customer | None:
        row = await self._conn.fetchrow(_CUSTOMER, telegram_id)
        return None if row is None else Customer(**dict(row))

    async def upsert_customer(
        self,
        *,
        telegram_id: int,
        name: str = "",
        phone: str = "",
        language_code: str = "",
        source: str | None = None,
    ) -> Customer:
        return await booking_repo.upsert_customer(
            self._conn,
            telegram_id=telegram_id,
            name=name,
            phone=phone,
            language_code=language_code,
            source=source,
        )

    async def lock_customer(self, customer_id: int) -> None:
        await self._conn.execute("SELECT 1 FROM customers WHERE id = $1 FOR UPDATE", customer_id)

    async def count_active(self, customer_id: int, *, now: datetime) -> int:
        return await booking_repo.count_active_for_customer(self._conn, customer_id, now=now)

    async def customer_blocked(self, customer_id: int) -> bool:
        return bool(
            await self._conn.fetchval(
                "SELECT blocked_at IS NOT NULL FROM customers WHERE id = $1", customer_id
            )
        )

    async def upcoming(self, customer_id: int, *, now: datetime) -> list[Booking]:
        return await booking_repo.upcoming_for_customer(self._conn, customer_id, now=now)

    async def booking(self, booking_id: int) -> Booking | None:
        return await booking_repo.get_booking(self._conn, booking_id)

    async def cancel_booking(
        self, booking_id: int, *, cancelled_by: CancelledBy, actor: str, customer_id: int
    ) -> Booking:
        return await booking_repo.cancel_booking(
            self._conn, booking_id, cancelled_by=cancelled_by, actor=actor, customer_id=customer_id
        )

    async def reschedule_booking(
        self, booking_id: int, *, starts_at: datetime, actor: str, customer_id: int
    ) -> Booking:
        return await booking_repo.reschedule_booking(
            self._conn, booking_id, starts_at=starts_at, actor=actor, customer_id=customer_id
        )

    async def confirm_attendance(self, booking_id: int, *, at: datetime) -> None:
        await self._conn.execute(_ATTENDANCE, booking_id, at)

    async def add_review(
        self, *, booking_id: int, customer_id: int, stars: int, comment: str = ""
    ) -> Review:
        return await booking_repo.add_review(
            self._conn, booking_id=booking_id, customer_id=customer_id, stars=stars, comment=comment
        )

    async def link_walk_in(self, customer_id: int, phone: str) -> int | None:
        walk_in: int | None = await self._conn.fetchval(_WALK_IN, customer_id, phone)
        if walk_in is None:
            return None
        await self._conn.execute(_TAKE_OVER, customer_id, walk_in)
        for table in ("bookings", "reviews"):
            await self._conn.execute(
                f"UPDATE {table} SET customer_id = $1 WHERE customer_id = $2",
                customer_id,
                walk_in,
            )
        try:
            async with self._conn.transaction():  # a savepoint: the merge stands either way
                await self._conn.execute("DELETE FROM customers WHERE id = $1", walk_in)
        except asyncpg.ForeignKeyViolationError:
            # something newer still points at the walk-in: keep the row, out of the way
            await self._conn.execute("UPDATE customers SET phone = '' WHERE id = $1", walk_in)
        return walk_in

    async def set_review_comment(self, *, booking_id: int, customer_id: int, comment: str) -> bool:
        status = await self._conn.execute(_COMMENT, booking_id, customer_id, comment)
        return str(status).endswith(" 1")


class PgTenantStore:
    """One tenant's data in Postgres, a transaction at a time."""

    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTenantSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgTenantSession(conn)
