"""The waitlist for freed time on Postgres (`slot_waitlist`, tenant migration 0070): a mixin
for every session class that can free time or serve the customer (`self._conn` is the
connection inside the tenant's transaction)."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters import schedule_repo
from services.booking.domain.model import AvailabilityInputs
from services.booking.use_cases.slotwait.freed_port import Waiter, WaitRow
from services.booking.use_cases.slotwait.ports import WaitEntry

_WAITERS = """
SELECT w.id AS entry_id, c.telegram_id AS chat_id,
       coalesce(nullif(w.locale, ''), split_part(c.language_code, '-', 1)) AS locale,
       w.service_id, s.name AS service_name, w.master_id, w.first_day, w.last_day
FROM slot_waitlist AS w
JOIN customers AS c ON c.id = w.customer_id
JOIN services AS s ON s.id = w.service_id
WHERE w.fulfilled_at IS NULL AND w.expires_at > $4
  AND w.first_day <= $3 AND w.last_day >= $2
  AND ($1::int IS NULL OR w.master_id IS NULL OR w.master_id = $1)
  AND c.telegram_id IS NOT NULL AND c.blocked_at IS NULL AND s.active
ORDER BY w.created_at, w.id
LIMIT 200
"""
_ENTRY_COLUMNS = """
SELECT w.id, w.customer_id, w.service_id, s.name AS service_name, w.master_id,
       coalesce(m.name, '') AS master_name, w.first_day, w.last_day, w.expires_at,
       w.fulfilled_at IS NOT NULL AS fulfilled, w.booking_id
FROM slot_waitlist AS w
JOIN services AS s ON s.id = w.service_id
LEFT JOIN masters AS m ON m.id = w.master_id
"""
_ENTRIES = (
    _ENTRY_COLUMNS
    + """WHERE w.customer_id = $1 AND w.fulfilled_at IS NULL AND w.expires_at > $2
ORDER BY w.first_day, w.id"""
)
_ENTRY = _ENTRY_COLUMNS + "WHERE w.id = $1"
_ADD = """
INSERT INTO slot_waitlist
    (customer_id, service_id, master_id, first_day, last_day, locale, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
"""
_LEAVE = "DELETE FROM slot_waitlist WHERE id = $1 AND customer_id = $2 AND fulfilled_at IS NULL"
_FULFIL = """
UPDATE slot_waitlist SET fulfilled_at = $3, booking_id = $2
WHERE id = $1 AND fulfilled_at IS NULL
"""
_FULFIL_MATCHING = """
UPDATE slot_waitlist SET fulfilled_at = $6, booking_id = $2
WHERE id = (
    SELECT id FROM slot_waitlist
    WHERE customer_id = $1 AND fulfilled_at IS NULL AND expires_at > $6 AND service_id = $3
      AND (master_id IS NULL OR master_id = $4) AND first_day <= $5 AND last_day >= $5
    ORDER BY created_at, id
    LIMIT 1
    FOR UPDATE
)
"""
_REOPEN = """
UPDATE slot_waitlist SET fulfilled_at = NULL, booking_id = NULL
WHERE booking_id = $1 AND fulfilled_at IS NOT NULL AND expires_at > $2
"""
_ON_DAY = """
SELECT c.name AS customer_name, c.phone, s.name AS service_name,
       coalesce(m.name, '') AS master_name, w.first_day, w.last_day
FROM slot_waitlist AS w
JOIN customers AS c ON c.id = w.customer_id
JOIN services AS s ON s.id = w.service_id
LEFT JOIN masters AS m ON m.id = w.master_id
WHERE w.fulfilled_at IS NULL AND w.expires_at > $2 AND w.first_day <= $1 AND w.last_day >= $1
ORDER BY w.created_at, w.id
LIMIT 100
"""
# Entries past their end are no use to anyone: dropped when the customer adds one.
_PURGE = "DELETE FROM slot_waitlist WHERE customer_id = $1 AND expires_at <= $2"


class SlotWaitSql:
    _conn: asyncpg.Connection

    async def slotwait_zone(self) -> tuple[str, str]:
        row = await self._conn.fetchrow("SELECT timezone, locale FROM business WHERE id = 1")
        return (str(row["timezone"]), str(row["locale"])) if row else ("Europe/Moscow", "ru")

    async def slotwait_waiters(
        self, master_id: int | None, first_day: date, last_day: date, now: datetime
    ) -> list[Waiter]:
        rows = await self._conn.fetch(_WAITERS, master_id, first_day, last_day, now)
        return [Waiter(**dict(row)) for row in rows]

    async def slotwait_inputs(
        self, service_id: int, master_id: int | None, day: date, now: datetime
    ) -> AvailabilityInputs:
        return await schedule_repo.load_availability(
            self._conn,
            service_id=service_id,
            first_day=day,
            last_day=day,
            now=now,
            master_id=master_id,
        )

    async def slotwait_master_names(self) -> dict[int, str]:
        rows = await self._conn.fetch("SELECT id, name FROM masters")
        return {int(row["id"]): str(row["name"]) for row in rows}

    async def slotwait_on_day(self, day: date, now: datetime) -> list[WaitRow]:
        rows = await self._conn.fetch(_ON_DAY, day, now)
        return [WaitRow(**dict(row)) for row in rows]

    async def slotwait_entries(self, customer_id: int, now: datetime) -> list[WaitEntry]:
        rows = await self._conn.fetch(_ENTRIES, customer_id, now)
        return [WaitEntry(**dict(row)) for row in rows]

    async def slotwait_entry(self, entry_id: int) -> WaitEntry | None:
        row = await self._conn.fetchrow(_ENTRY, entry_id)
        return None if row is None else WaitEntry(**dict(row))

    async def slotwait_add(
        self,
        *,
        customer_id: int,
        service_id: int,
        master_id: int | None,
        first_day: date,
        last_day: date,
        locale: str,
        expires_at: datetime,
        now: datetime,
    ) -> int:
        await self._conn.execute(_PURGE, customer_id, now)
        entry_id: int = await self._conn.fetchval(
            _ADD, customer_id, service_id, master_id, first_day, last_day, locale, expires_at
        )
        return entry_id

    async def slotwait_leave(self, entry_id: int, customer_id: int) -> bool:
        status = await self._conn.execute(_LEAVE, entry_id, customer_id)
        return str(status).endswith(" 1")

    async def slotwait_fulfil(self, entry_id: int, booking_id: int, at: datetime) -> bool:
        status = await self._conn.execute(_FULFIL, entry_id, booking_id, at)
        return str(status).endswith(" 1")

    async def slotwait_fulfil_matching(
        self,
        customer_id: int,
        booking_id: int,
        service_id: int,
        master_id: int,
        day: date,
        at: datetime,
    ) -> bool:
        status = await self._conn.execute(
            _FULFIL_MATCHING, customer_id, booking_id, service_id, master_id, day, at
        )
        return str(status).endswith(" 1")

    async def slotwait_reopen(self, booking_id: int, now: datetime) -> int:
        status = await self._conn.execute(_REOPEN, booking_id, now)
        return int(str(status).rsplit(" ", 1)[-1])
