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

# The engine's inputs in one statement (one round trip instead of five). Every row is one of:
#   h  the rules and the service:   a..f = slot step, notice, horizon, duration, buffers; tz
#   m  a master who performs it:   master_id, a = the master's own duration, b = display rank
#   w  weekly hours / x a break:    master_id, a = weekday, t1..t2
#   o  a day off:                   master_id (NULL: the whole business), day
#   c  changed hours of one date:   master_id, day, t1..t2
#   r  a blocked range:             master_id (NULL: the whole business), lo..hi
#   k  a confirmed booking:         master_id, lo..hi (its blocked range)
# No service (or an inactive one): no rows at all. No master: only the `h` row.
# $1 service, $2 master or NULL, $3..$4 local days, $5..$6 UTC window, $7 booking left out.
_AVAILABILITY = """
WITH head AS (
    SELECT b.timezone, b.slot_step_min, b.min_notice_min, b.horizon_days,
           s.duration_min, s.buffer_before_min, s.buffer_after_min
    FROM business AS b CROSS JOIN services AS s
    WHERE s.id = $1 AND s.active
), chosen AS (
    SELECT m.id, ms.duration_min,
           row_number() OVER (ORDER BY m.sort_order, m.id)::int AS rank
    FROM masters AS m JOIN master_services AS ms ON ms.master_id = m.id
    WHERE ms.service_id = $1 AND m.active AND ($2::int IS NULL OR m.id = $2)
      AND EXISTS (SELECT 1 FROM head)
)
SELECT 'h' AS kind, NULL::int AS master_id, slot_step_min AS a, min_notice_min AS b,
       horizon_days AS c, duration_min AS d, buffer_before_min AS e, buffer_after_min AS f,
       timezone AS tz, NULL::date AS day, NULL::time AS t1, NULL::time AS t2,
       NULL::timestamptz AS lo, NULL::timestamptz AS hi
FROM head
UNION ALL
SELECT 'm', id, duration_min, rank, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM chosen
UNION ALL
SELECT 'w', master_id, weekday, NULL, NULL, NULL, NULL, NULL, NULL, NULL, starts, ends, NULL, NULL
FROM working_hours WHERE master_id IN (SELECT id FROM chosen)
UNION ALL
SELECT 'x', master_id, weekday, NULL, NULL, NULL, NULL, NULL, NULL, NULL, starts, ends, NULL, NULL
FROM breaks WHERE master_id IN (SELECT id FROM chosen)
UNION ALL
SELECT 'o', master_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, day, NULL, NULL, NULL, NULL
FROM days_off
WHERE (master_id IN (SELECT id FROM chosen)
       OR (master_id IS NULL AND EXISTS (SELECT 1 FROM chosen)))
  AND day BETWEEN $3 AND $4
UNION ALL
SELECT 'c', master_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, day, starts, ends, NULL, NULL
FROM changed_hours
WHERE master_id IN (SELECT id FROM chosen) AND day BETWEEN $3 AND $4
UNION ALL
SELECT 'r', master_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       lower(during), upper(during)
FROM blocked_ranges
WHERE (master_id IN (SELECT id FROM chosen)
       OR (master_id IS NULL AND EXISTS (SELECT 1 FROM chosen)))
  AND during && tstzrange($5, $6)
UNION ALL
SELECT 'k', master_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       lower(blocked), upper(blocked)
FROM bookings
WHERE master_id IN (SELECT id FROM chosen) AND status = 'confirmed'
  AND blocked && tstzrange($5, $6) AND id IS DISTINCT FROM $7::bigint
"""

_MASTERS_FOR_SERVICE = """
SELECT m.id, m.name, m.bio, m.photo_file_id, ms.price_kopecks, ms.duration_min
FROM masters AS m JOIN master_services AS ms ON ms.master_id = m.id
WHERE ms.service_id = $1 AND m.active AND ($2::int IS NULL OR m.id = $2)
ORDER BY m.sort_order, m.id
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
    # Local dates cover at most [day - 14 h, day + 38 h) in UTC; a day of margin is plenty.
    window_lo = datetime.combine(first_day - timedelta(days=1), time(), tzinfo=UTC)
    window_hi = datetime.combine(last_day + timedelta(days=2), time(), tzinfo=UTC)
    rows = await conn.fetch(
        _AVAILABILITY,
        service_id,
        master_id,
        first_day,
        last_day,
        window_lo,
        window_hi,
        exclude_booking_id,
    )
    head = None
    ranked: list[tuple[int, int, int | None]] = []  # (rank, master, own duration)
    hours: dict[int, list[WeeklyInterval]] = defaultdict(list)
    breaks: dict[int, list[WeeklyInterval]] = defaultdict(list)
    everyone_off: set[date] = set()
    days_off: dict[int, set[date]] = defaultdict(set)
    changed: dict[int, list[DayInterval]] = defaultdict(list)
    everyone_blocked: list[UtcRange] = []
    blocked: dict[int, list[UtcRange]] = defaultdict(list)
    bookings: dict[int, list[UtcRange]] = defaultdict(list)
    for row in rows:
        kind, mid = row[0], row[1]
        if kind == "k":
            bookings[mid].append(UtcRange(row[12], row[13]))
        elif kind == "w":
            hours[mid].append(WeeklyInterval(row[2], row[10], row[11]))
        elif kind == "x":
            breaks[mid].append(WeeklyInterval(row[2], row[10], row[11]))
        elif kind == "r":
            (everyone_blocked if mid is None else blocked[mid]).append(UtcRange(row[12], row[13]))
        elif kind == "o":
            (everyone_off if mid is None else days_off[mid]).add(row[9])
        elif kind == "c":
            changed[mid].append(DayInterval(row[9], row[10], row[11]))
        elif kind == "m":
            ranked.append((row[3], mid, row[2]))
        else:
            head = row
    if head is None:
        raise NotFound("service", str(service_id))
    rules = BookingRules(
        timezone=head["tz"], slot_step_min=head[2], min_notice_min=head[3], horizon_days=head[4]
    )
    ranked.sort()
    # A master's own duration replaces the service's; with several masters the longest one
    # is checked, so every time offered fits whichever of them gets the booking.
    service = ServiceSpec(
        service_id=service_id,
        duration_min=max((own or head[5] for _, _, own in ranked), default=head[5]),
        buffer_before_min=head[6],
        buffer_after_min=head[7],
    )
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
        for _, mid, _ in ranked
    )
    return AvailabilityInputs(rules=rules, service=service, masters=masters, now=now)
