"""SQL of the admin side for bookings: a day's bookings with their customers, a card, the
staff's cancel (with a reason) and the outcome of a visit. Runs inside `tenant_tx`."""

from __future__ import annotations

from datetime import datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters import booking_repo
from services.booking.adapters.tenant_store import PgTenantSession
from services.booking.domain.entities import Booking, Customer
from services.booking.use_cases.admin.ports import BookingLine, Outcome
from services.booking.use_cases.ports import BusinessSettings

_LINES = """
SELECT b.id, b.customer_id, b.service_id, s.name AS service_name, b.master_id,
       m.name AS master_name, b.starts_at, b.ends_at, b.price_kopecks, b.status, b.source,
       b.cancelled_by, b.cancel_reason, b.attendance_confirmed_at, b.created_at,
       c.telegram_id AS c_telegram_id, c.name AS c_name, c.phone AS c_phone,
       c.language_code AS c_language_code, c.source AS c_source, c.first_seen AS c_first_seen,
       pp.hold_until AS held_until
FROM bookings AS b
JOIN services AS s ON s.id = b.service_id
JOIN masters AS m ON m.id = b.master_id
JOIN customers AS c ON c.id = b.customer_id
LEFT JOIN prepayments AS pp ON pp.booking_id = b.id AND pp.status = 'awaiting'
"""
_BETWEEN = (
    _LINES + " WHERE b.starts_at >= $1 AND b.starts_at < $2"
    " AND ($3::int IS NULL OR b.master_id = $3) ORDER BY b.starts_at, m.sort_order, b.id"
)
_ONE = _LINES + " WHERE b.id = $1"
_OUTCOME = """
WITH b AS (
    UPDATE bookings SET status = $2::text, updated_at = now()
    WHERE id = $1 AND status = 'confirmed'
    RETURNING id
)
INSERT INTO booking_history (booking_id, action, actor)
SELECT id, $2::text, $3::text FROM b
RETURNING booking_id
"""
_BOOKING_FIELDS = frozenset(Booking.__dataclass_fields__)


def _line(row: asyncpg.Record) -> BookingLine:
    values = dict(row)
    booking = Booking(**{k: v for k, v in values.items() if k in _BOOKING_FIELDS})
    customer = Customer(
        id=values["customer_id"],
        telegram_id=values["c_telegram_id"],
        name=values["c_name"],
        phone=values["c_phone"],
        language_code=values["c_language_code"],
        source=values["c_source"],
        first_seen=values["c_first_seen"],
    )
    return BookingLine(booking=booking, customer=customer, held_until=values["held_until"])


class BookingsSql:
    _conn: asyncpg.Connection

    async def business(self) -> BusinessSettings:
        return await PgTenantSession(self._conn).business()

    async def admin_chat_ids(self) -> tuple[int, ...]:
        return await PgTenantSession(self._conn).admin_chat_ids()

    async def custom_texts(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
        return await PgTenantSession(self._conn).custom_texts(kinds)

    async def bookings_between(
        self, lo: datetime, hi: datetime, *, master_id: int | None
    ) -> list[BookingLine]:
        return [_line(row) for row in await self._conn.fetch(_BETWEEN, lo, hi, master_id)]

    async def booking_line(self, booking_id: int) -> BookingLine | None:
        row = await self._conn.fetchrow(_ONE, booking_id)
        return None if row is None else _line(row)

    async def cancel_booking(self, booking_id: int, *, reason: str, actor: str) -> Booking:
        return await booking_repo.cancel_booking(
            self._conn, booking_id, cancelled_by="staff", actor=actor, reason=reason
        )

    async def set_outcome(self, booking_id: int, outcome: Outcome, *, actor: str) -> bool:
        return await self._conn.fetchval(_OUTCOME, booking_id, outcome, actor) is not None
