"""Reads of a tenant's schedule: the catalogue and the inputs of the availability engine.

Every function takes a connection already inside `shared.db.tenant_tx`, so the SQL is
unqualified and the database itself keeps it inside the tenant's schema.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.domain.entities import MasterInfo, ServiceInfo
from services.booking.domain.model import (
    AvailabilityInputs,
    BookingRules,
    DayInterval,
    MasterSchedule,
    ServiceSpec,
    UtcRange,
    WeeklyInterval,
)
from shared.errors import NotFound

_RULES_AND_SERVICE = """
SELECT b.timezone, b.slot_step_min, b.min_notice_min, b.horizon_days,
       s.duration_min, s.buffer_before_min, s.buffer_after_min
FROM business AS b CROSS JOIN services AS s
WHERE s.id = $1 AND s.active
"""

_MASTERS_FOR_SERVICE = """
SELECT m.id, m.name, m.bio, m.photo_file_id, ms.price_kopecks, ms.duration_min
FROM masters AS m JOIN master_services AS ms ON ms.master_id = m.id
WHERE ms.service_id = $1 AND m.active AND ($2::int IS NULL OR m.id = $2)
ORDER BY m.sort_order, m.id
"""

_WEEKLY = """
SELECT true AS is_hours, master_id, weekday, starts, ends
FROM working_hours WHERE master_id = ANY($1::int[])
UNION ALL
SELECT false, master_id, weekday, starts, ends
FROM breaks WHERE master_id = ANY($1::int[])
"""

# starts IS NULL marks a day off; master_id IS NULL means the whole business.
_DAYS = """
SELECT master_id, day, NULL::time AS starts, NULL::time AS ends
FROM days_off
WHERE (master_id = ANY($1::int[]) OR master_id IS NULL) AND day BETWEEN $2 AND $3
UNION ALL
SELECT master_id, day, starts, ends
FROM changed_hours
WHERE master_id = ANY($1::int[]) AND day BETWEEN $2 AND $3
"""

_BUSY = """
SELECT false AS is_booking, master_id, lower(during) AS lo, upper(during) AS hi
FROM blocked_ranges
WHERE (master_id = ANY($1::int[]) OR master_id IS NULL) AND during && tstzrange($2, $3)
UNION ALL
SELECT true, master_id, lower(blocked), upper(blocked)
FROM bookings
WHERE master_id = ANY($1::int[]) AND status = 'confirmed' AND blocked && tstzrange($2, $3)
  AND id IS DISTINCT FROM $4::bigint
"""


async def load_rules(conn: asyncpg.Connection) -> BookingRules:
    row = await conn.fetchrow(
        "SELECT timezone, slot_step_min, min_notice_min, horizon_days FROM business"
    )
    if row is None:
        raise NotFound("business", "1")
    return BookingRules(
        timezone=row["timezone"],
        slot_step_min=row["slot_step_min"],
        min_notice_min=row["min_notice_min"],
        horizon_days=row["horizon_days"],
    )


async def list_active_services(conn: asyncpg.Connection) -> list[ServiceInfo]:
    rows = await conn.fetch(
        "SELECT id, name, description, duration_min, price_kopecks, buffer_before_min,"
        " buffer_after_min FROM services WHERE active ORDER BY sort_order, id"
    )
    return [ServiceInfo(**dict(row)) for row in rows]


async def masters_for_service(conn: asyncpg.Connection, service_id: int) -> list[MasterInfo]:
    """Active masters who perform the service, in display order."""
    rows = await conn.fetch(_MASTERS_FOR_SERVICE, service_id, None)
    return [
        MasterInfo(
            id=row["id"],
            name=row["name"],
            bio=row["bio"],
            photo_file_id=row["photo_file_id"],
            price_kopecks=row["price_kopecks"],
            duration_min=row["duration_min"],
        )
        for row in rows
    ]


async def load_availability(
    conn: asyncpg.Connection,
    *,
    service_id: int,
    first_day: date,
    last_day: date,
    now: datetime,
    master_id: int | None = None,
    exclude_booking_id: int | None = None,
) -> AvailabilityInputs:
    """The engine's inputs for local dates `first_day..last_day` (a day, or a month view).

    Only rows that matter to that window are read. `exclude_booking_id` leaves a booking out
    of the busy time (the one being rescheduled). Raises `NotFound` for an unknown or inactive
    service; a master who does not perform it is simply absent from `masters`.
    """
    head = await conn.fetchrow(_RULES_AND_SERVICE, service_id)
    if head is None:
        raise NotFound("service", str(service_id))
    rules = BookingRules(
        timezone=head["timezone"],
        slot_step_min=head["slot_step_min"],
        min_notice_min=head["min_notice_min"],
        horizon_days=head["horizon_days"],
    )
    rows = await conn.fetch(_MASTERS_FOR_SERVICE, service_id, master_id)
    master_ids = [row["id"] for row in rows]
    # A master's own duration replaces the service's; with several masters the longest one
    # is checked, so every time offered fits whichever of them gets the booking.
    service = ServiceSpec(
        service_id=service_id,
        duration_min=max(
            (row["duration_min"] or head["duration_min"] for row in rows),
            default=head["duration_min"],
        ),
        buffer_before_min=head["buffer_before_min"],
        buffer_after_min=head["buffer_after_min"],
    )
    if not master_ids:
        return AvailabilityInputs(rules=rules, service=service, masters=(), now=now)

    # Local dates cover at most [day - 14 h, day + 38 h) in UTC; a day of margin is plenty.
    window_lo = datetime.combine(first_day - timedelta(days=1), time(), tzinfo=UTC)
    window_hi = datetime.combine(last_day + timedelta(days=2), time(), tzinfo=UTC)

    hours: dict[int, list[WeeklyInterval]] = defaultdict(list)
    breaks: dict[int, list[WeeklyInterval]] = defaultdict(list)
    for row in await conn.fetch(_WEEKLY, master_ids):
        target = hours if row["is_hours"] else breaks
        target[row["master_id"]].append(WeeklyInterval(row["weekday"], row["starts"], row["ends"]))

    everyone_off: set[date] = set()
    days_off: dict[int, set[date]] = defaultdict(set)
    changed: dict[int, list[DayInterval]] = defaultdict(list)
    for row in await conn.fetch(_DAYS, master_ids, first_day, last_day):
        if row["starts"] is None:
            target_days = everyone_off if row["master_id"] is None else days_off[row["master_id"]]
            target_days.add(row["day"])
        else:
            changed[row["master_id"]].append(DayInterval(row["day"], row["starts"], row["ends"]))

    everyone_blocked: list[UtcRange] = []
    blocked: dict[int, list[UtcRange]] = defaultdict(list)
    bookings: dict[int, list[UtcRange]] = defaultdict(list)
    for row in await conn.fetch(_BUSY, master_ids, window_lo, window_hi, exclude_booking_id):
        span = UtcRange(row["lo"], row["hi"])
        if row["is_booking"]:
            bookings[row["master_id"]].append(span)
        elif row["master_id"] is None:
            everyone_blocked.append(span)
        else:
            blocked[row["master_id"]].append(span)

    masters = tuple(
        MasterSchedule(
            master_id=mid,
            weekly_hours=tuple(hours[mid]),
            breaks=tuple(breaks[mid]),
            days_off=frozenset(days_off[mid] | everyone_off),
            changed_hours=tuple(changed[mid]),
            blocked=(*blocked[mid], *everyone_blocked),
            bookings=tuple(bookings[mid]),
        )
        for mid in master_ids
    )
    return AvailabilityInputs(rules=rules, service=service, masters=masters, now=now)
