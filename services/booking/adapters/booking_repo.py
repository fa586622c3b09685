"""Writes and reads of bookings, customers and reviews in one tenant's schema.

Every function takes a connection already inside `shared.db.tenant_tx`. The database is the
last word on double booking: the `bookings_no_overlap` exclusion constraint refuses a second
confirmed booking whose blocked range (buffers included) overlaps another of the same master;
that refusal becomes `SlotTaken`. Writes that can be refused run in a savepoint, so the
caller's transaction stays usable (e.g. to offer other times) after a `SlotTaken`.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.domain.entities import (
    Booking,
    BookingSource,
    CancelledBy,
    Customer,
    Review,
)
from services.booking.domain.errors import BookingNotActive, ReviewRefused, SlotTaken
from shared.errors import NotFound

NO_OVERLAP_CONSTRAINT = "bookings_no_overlap"

_COLUMNS = """
b.id, b.customer_id, b.service_id, s.name AS service_name, b.master_id, m.name AS master_name,
b.starts_at, b.ends_at, b.price_kopecks, b.status, b.source, b.cancelled_by, b.cancel_reason,
b.attendance_confirmed_at, b.created_at
"""
_JOINS = "JOIN services AS s ON s.id = b.service_id JOIN masters AS m ON m.id = b.master_id"

_CREATE = f"""
WITH b AS (
    INSERT INTO bookings (customer_id, service_id, master_id, starts_at, ends_at,
                          buffer_before_min, buffer_after_min, blocked, price_kopecks, source)
    SELECT $1::bigint, sv.id, ms.master_id, $3::timestamptz,
           $3::timestamptz + make_interval(mins => coalesce(ms.duration_min, sv.duration_min)),
           sv.buffer_before_min, sv.buffer_after_min,
           tstzrange($3::timestamptz - make_interval(mins => sv.buffer_before_min),
                     $3::timestamptz + make_interval(
                         mins => coalesce(ms.duration_min, sv.duration_min) + sv.buffer_after_min),
                     '[)'),
           coalesce(ms.price_kopecks, sv.price_kopecks), $5::text
    FROM services AS sv JOIN master_services AS ms ON ms.service_id = sv.id
    WHERE sv.id = $2 AND ms.master_id = $4::int AND sv.active
    RETURNING *
), h AS (
    INSERT INTO booking_history (booking_id, action, actor, details)
    SELECT id, 'created', $6::text,
           jsonb_build_object('starts_at', starts_at, 'master_id', master_id,
                              'service_id', service_id, 'source', source)
    FROM b
)
SELECT {_COLUMNS} FROM b {_JOINS}
"""

_CANCEL = f"""
WITH b AS (
    UPDATE bookings
    SET status = 'cancelled', cancelled_by = $2::text, cancel_reason = $3::text,
        updated_at = now()
    WHERE id = $1 AND status = 'confirmed' AND ($5::bigint IS NULL OR customer_id = $5)
    RETURNING *
), h AS (
    INSERT INTO booking_history (booking_id, action, actor, details)
    SELECT id, 'cancelled', $4::text,
           jsonb_build_object('by', cancelled_by, 'reason', cancel_reason)
    FROM b
)
SELECT {_COLUMNS} FROM b {_JOINS}
"""

# The length of the visit is kept; the buffers are the booking's own snapshot.
_RESCHEDULE = f"""
WITH old AS (
    SELECT x.id, x.starts_at, x.master_id
    FROM bookings AS x
    WHERE x.id = $1 AND x.status = 'confirmed' AND ($5::bigint IS NULL OR x.customer_id = $5)
      AND ($3::int IS NULL OR EXISTS (
          SELECT 1 FROM master_services AS ms
          WHERE ms.master_id = $3 AND ms.service_id = x.service_id))
    FOR UPDATE
), b AS (
    UPDATE bookings AS x
    SET starts_at = $2::timestamptz,
        ends_at = $2::timestamptz
                  + make_interval(secs => extract(epoch FROM x.ends_at - x.starts_at)),
        blocked = tstzrange(
            $2::timestamptz - make_interval(mins => x.buffer_before_min),
            $2::timestamptz + make_interval(secs => extract(epoch FROM x.ends_at - x.starts_at)
                                       + x.buffer_after_min * 60), '[)'),
        master_id = coalesce($3::int, x.master_id),
        updated_at = now()
    FROM old
    WHERE x.id = old.id
    RETURNING x.*, old.starts_at AS old_starts_at, old.master_id AS old_master_id
), h AS (
    INSERT INTO booking_history (booking_id, action, actor, details)
    SELECT id, 'rescheduled', $4::text,
           jsonb_build_object('from', old_starts_at, 'to', starts_at,
                              'from_master_id', old_master_id, 'master_id', master_id)
    FROM b
)
SELECT {_COLUMNS} FROM b {_JOINS}
"""

_CUSTOMER_COLUMNS = "id, telegram_id, name, phone, language_code, source, first_seen"

# A known customer is rewritten only when something changed (no write per message);
# the first deep-link source is kept forever.
_UPSERT_CUSTOMER = f"""
INSERT INTO customers AS c (telegram_id, name, phone, language_code, source)
VALUES ($1, $2, $3, $4, NULLIF($5, ''))
ON CONFLICT (telegram_id) DO UPDATE SET
    name = coalesce(NULLIF(EXCLUDED.name, ''), c.name),
    phone = coalesce(NULLIF(EXCLUDED.phone, ''), c.phone),
    language_code = coalesce(NULLIF(EXCLUDED.language_code, ''), c.language_code),
    source = coalesce(c.source, EXCLUDED.source),
    updated_at = now()
WHERE (c.name, c.phone, c.language_code, c.source) IS DISTINCT FROM (
    coalesce(NULLIF(EXCLUDED.name, ''), c.name),
    coalesce(NULLIF(EXCLUDED.phone, ''), c.phone),
    coalesce(NULLIF(EXCLUDED.language_code, ''), c.language_code),
    coalesce(c.source, EXCLUDED.source))
RETURNING {_CUSTOMER_COLUMNS}
"""

_ADD_REVIEW = """
INSERT INTO reviews (booking_id, customer_id, stars, comment)
SELECT id, customer_id, $3::smallint, $4::text FROM bookings
WHERE id = $1 AND customer_id = $2 AND status <> 'cancelled'
ON CONFLICT (booking_id) DO NOTHING
RETURNING id, booking_id, customer_id, stars, comment, created_at
"""


def _booking(row: asyncpg.Record) -> Booking:
    return Booking(**dict(row))


def _is_overlap(error: asyncpg.exceptions.ExclusionViolationError) -> bool:
    return getattr(error, "constraint_name", None) == NO_OVERLAP_CONSTRAINT


async def _status(conn: asyncpg.Connection, booking_id: int, customer_id: int | None) -> str:
    """The booking's status, or NotFound (also when it belongs to another customer)."""
    status = await conn.fetchval(
        "SELECT status FROM bookings WHERE id = $1 AND ($2::bigint IS NULL OR customer_id = $2)",
        booking_id,
        customer_id,
    )
    if status is None:
        raise NotFound("booking", str(booking_id))
    return str(status)


async def create_booking(
    conn: asyncpg.Connection,
    *,
    customer_id: int,
    service_id: int,
    master_id: int,
    starts_at: datetime,
    actor: str,
    source: BookingSource = "bot",
) -> Booking:
    """Insert a confirmed booking and its history row; `SlotTaken` if the time is held.

    Length, buffers and price come from the service row. The rules a customer sees (grid,
    hours, notice) are the caller's job (`availability.check_slot`); this only guarantees
    that no two confirmed bookings of a master overlap.
    """
    try:
        async with conn.transaction():
            row = await conn.fetchrow(
                _CREATE, customer_id, service_id, starts_at, master_id, source, actor
            )
    except asyncpg.exceptions.ExclusionViolationError as error:
        if _is_overlap(error):
            raise SlotTaken(starts_at=starts_at, master_id=master_id) from error
        raise
    except asyncpg.exceptions.DeadlockDetectedError as error:
        # Two inserts of overlapping times at the same instant each wait for the other's
        # exclusion check; Postgres aborts one (this one): the other takes the time.
        raise SlotTaken(starts_at=starts_at, master_id=master_id) from error
    if row is None:
        raise NotFound("service of master", f"{service_id}/{master_id}")
    return _booking(row)


async def cancel_booking(
    conn: asyncpg.Connection,
    booking_id: int,
    *,
    cancelled_by: CancelledBy,
    actor: str,
    reason: str = "",
    customer_id: int | None = None,
) -> Booking:
    """Cancel a confirmed booking (freeing its time); with `customer_id`, only theirs."""
    row = await conn.fetchrow(_CANCEL, booking_id, cancelled_by, reason, actor, customer_id)
    if row is None:
        raise BookingNotActive(booking_id, await _status(conn, booking_id, customer_id))
    return _booking(row)


async def reschedule_booking(
    conn: asyncpg.Connection,
    booking_id: int,
    *,
    starts_at: datetime,
    actor: str,
    master_id: int | None = None,
    customer_id: int | None = None,
) -> Booking:
    """Move a confirmed booking (optionally to another master) in one statement.

    The exclusion constraint is re-checked against the new time; on `SlotTaken` the booking
    keeps its old time and master.
    """
    try:
        async with conn.transaction():
            row = await conn.fetchrow(
                _RESCHEDULE, booking_id, starts_at, master_id, actor, customer_id
            )
    except asyncpg.exceptions.ExclusionViolationError as error:
        if _is_overlap(error):
            raise SlotTaken(starts_at=starts_at, master_id=master_id) from error
        raise
    if row is None:
        status = await _status(conn, booking_id, customer_id)
        if status != "confirmed":
            raise BookingNotActive(booking_id, status)
        raise NotFound("service of master", f"booking {booking_id}/{master_id}")
    return _booking(row)


async def get_booking(conn: asyncpg.Connection, booking_id: int) -> Booking | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM bookings AS b {_JOINS} WHERE b.id = $1", booking_id
    )
    return None if row is None else _booking(row)


async def upcoming_for_customer(
    conn: asyncpg.Connection, customer_id: int, *, now: datetime, limit: int = 20
) -> list[Booking]:
    """The customer's confirmed bookings not yet over, soonest first."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM bookings AS b {_JOINS}"
        " WHERE b.customer_id = $1 AND b.status = 'confirmed' AND b.ends_at > $2"
        " ORDER BY b.starts_at LIMIT $3",
        customer_id,
        now,
        limit,
    )
    return [_booking(row) for row in rows]


async def count_active_for_customer(
    conn: asyncpg.Connection, customer_id: int, *, now: datetime
) -> int:
    """Confirmed bookings not yet over (for the `max_active_bookings` rule)."""
    count = await conn.fetchval(
        "SELECT count(*) FROM bookings"
        " WHERE customer_id = $1 AND status = 'confirmed' AND ends_at > $2",
        customer_id,
        now,
    )
    return int(count)


async def upsert_customer(
    conn: asyncpg.Connection,
    *,
    telegram_id: int,
    name: str = "",
    phone: str = "",
    language_code: str = "",
    source: str | None = None,
) -> Customer:
    """Create or update a customer by Telegram id; empty values never erase known ones."""
    row = await conn.fetchrow(
        _UPSERT_CUSTOMER, telegram_id, name, phone, language_code, source or ""
    )
    if row is None:  # known and unchanged
        row = await conn.fetchrow(
            f"SELECT {_CUSTOMER_COLUMNS} FROM customers WHERE telegram_id = $1", telegram_id
        )
    return Customer(**dict(row))


async def add_review(
    conn: asyncpg.Connection, *, booking_id: int, customer_id: int, stars: int, comment: str = ""
) -> Review:
    """One review per booking, by its own customer, for a booking that was not cancelled."""
    if not 1 <= stars <= 5:
        raise ReviewRefused("bad_stars", booking_id=booking_id)
    row = await conn.fetchrow(_ADD_REVIEW, booking_id, customer_id, stars, comment)
    if row is None:
        status = await _status(conn, booking_id, customer_id)
        reason = "cancelled" if status == "cancelled" else "review_exists"
        raise ReviewRefused(reason, booking_id=booking_id)
    return Review(**dict(row))
