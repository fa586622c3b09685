"""SQL of the analytics (`use_cases.admin.analytics.AnalyticsReader`), read in one tenant
transaction per call. What each figure means is in the use case's docstring.

Range bounds are local midnights of the business's zone turned into instants by Postgres
(`(day)::timestamp AT TIME ZONE zone`), and open hours are wall-clock times put on each date
the same way, so a day of 23 or 25 hours counts as such. Open minutes are a multirange per
master: the hours (a date's changed hours replace its weekly hours and breaks) minus breaks,
days off (the master's or the whole business's) and blocked ranges. Bookings are found by
`bookings_master_time_idx` (master_id, starts_at) or a scan of the range; a tenant's bookings
table is small.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.use_cases.admin.analytics import DayFigures, MasterLoad, Totals
from shared.db import tenant_tx

# $1 first date, $2 last date, $3 zone
_BOUNDS = """
WITH bounds AS (
    SELECT ($1::date)::timestamp AT TIME ZONE $3 AS lo,
           ($2::date + 1)::timestamp AT TIME ZONE $3 AS hi
), ranged AS (
    SELECT b.* FROM bookings b, bounds WHERE b.starts_at >= bounds.lo AND b.starts_at < bounds.hi
)
"""
_TOTALS = f"""{_BOUNDS}
SELECT count(*) AS bookings,
       count(*) FILTER (WHERE status = 'completed') AS completed,
       count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE status = 'no_show') AS no_shows,
       count(*) FILTER (WHERE cancelled_by = 'customer') AS by_customer,
       count(*) FILTER (WHERE cancelled_by = 'staff') AS by_staff,
       count(*) FILTER (WHERE cancelled_by = 'system') AS by_system,
       coalesce(sum(price_kopecks) FILTER (WHERE status IN ('completed', 'confirmed')), 0)
           AS revenue
FROM ranged
"""
_DAYS = f"""{_BOUNDS}
SELECT (starts_at AT TIME ZONE $3)::date AS day,
       count(*) AS bookings,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE status = 'no_show') AS no_shows,
       coalesce(sum(price_kopecks) FILTER (WHERE status IN ('completed', 'confirmed')), 0)
           AS revenue
FROM ranged GROUP BY 1 ORDER BY 1
"""
_CUSTOMERS = f"""{_BOUNDS}, seen AS (
    SELECT DISTINCT customer_id FROM ranged WHERE status <> 'cancelled'
)
SELECT coalesce(c.source, '') AS source,
       EXISTS (SELECT 1 FROM bookings earlier, bounds
               WHERE earlier.customer_id = c.id AND earlier.status <> 'cancelled'
                 AND earlier.starts_at < bounds.lo) AS returning,
       count(*) AS n
FROM seen JOIN customers c ON c.id = seen.customer_id
GROUP BY 1, 2
"""
_RATING = f"""{_BOUNDS}
SELECT avg(r.stars)::float8 AS rating, count(*) AS reviews
FROM reviews r JOIN ranged ON ranged.id = r.booking_id
"""
_HOURS = f"""{_BOUNDS}
SELECT extract(hour FROM starts_at AT TIME ZONE $3)::int AS hour, count(*) AS n
FROM ranged WHERE status <> 'cancelled' GROUP BY 1 ORDER BY 1
"""
# $4 one master (NULL = every active master)
_LOADS = """
WITH days AS (
    SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS d
), ms AS (
    SELECT id, name, sort_order FROM masters WHERE active AND ($4::int IS NULL OR id = $4)
), changed AS (
    SELECT c.master_id, c.day, c.starts, c.ends
    FROM changed_hours c JOIN ms ON ms.id = c.master_id WHERE c.day BETWEEN $1 AND $2
), weekly_days AS (
    SELECT ms.id AS master_id, days.day FROM ms CROSS JOIN days
    WHERE NOT EXISTS (SELECT 1 FROM changed c WHERE c.master_id = ms.id AND c.day = days.day)
), opened AS (
    SELECT master_id, tstzrange((day + starts) AT TIME ZONE $3, (day + ends) AT TIME ZONE $3) AS r
    FROM changed
    UNION ALL
    SELECT w.master_id,
           tstzrange((wd.day + w.starts) AT TIME ZONE $3, (wd.day + w.ends) AT TIME ZONE $3)
    FROM weekly_days wd JOIN working_hours w
      ON w.master_id = wd.master_id AND w.weekday = extract(isodow FROM wd.day)::int - 1
), closed AS (
    SELECT k.master_id,
           tstzrange((wd.day + k.starts) AT TIME ZONE $3, (wd.day + k.ends) AT TIME ZONE $3) AS r
    FROM weekly_days wd JOIN breaks k
      ON k.master_id = wd.master_id AND k.weekday = extract(isodow FROM wd.day)::int - 1
    UNION ALL
    SELECT ms.id, tstzrange(o.day::timestamp AT TIME ZONE $3,
                            (o.day + 1)::timestamp AT TIME ZONE $3)
    FROM days_off o JOIN ms ON o.master_id = ms.id OR o.master_id IS NULL
    WHERE o.day BETWEEN $1 AND $2
    UNION ALL
    SELECT ms.id, x.during
    FROM blocked_ranges x JOIN ms ON x.master_id = ms.id OR x.master_id IS NULL
    WHERE x.during && tstzrange(($1::date)::timestamp AT TIME ZONE $3,
                                ($2::date + 1)::timestamp AT TIME ZONE $3)
), free AS (
    SELECT ms.id AS master_id,
           coalesce((SELECT range_agg(r) FROM opened o WHERE o.master_id = ms.id),
                    '{}'::tstzmultirange)
           - coalesce((SELECT range_agg(r) FROM closed c WHERE c.master_id = ms.id),
                      '{}'::tstzmultirange) AS open
    FROM ms
)
SELECT ms.id, ms.name,
       coalesce((SELECT sum(extract(epoch FROM b.ends_at - b.starts_at))
                 FROM bookings b
                 WHERE b.master_id = ms.id AND b.status <> 'cancelled'
                   AND b.starts_at >= ($1::date)::timestamp AT TIME ZONE $3
                   AND b.starts_at < ($2::date + 1)::timestamp AT TIME ZONE $3), 0)::bigint / 60
           AS booked_min,
       coalesce((SELECT sum(extract(epoch FROM upper(p) - lower(p))) FROM unnest(free.open) AS p),
                0)::bigint / 60 AS open_min
FROM ms JOIN free ON free.master_id = ms.id
ORDER BY ms.sort_order, ms.id
"""


class PgAnalytics:
    """One tenant's analytics reads."""

    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    async def timezone(self) -> str:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            zone: str = await conn.fetchval("SELECT timezone FROM business")
        return zone

    async def totals(self, first: date, last: date, zone: str) -> Totals:
        args = (first, last, zone)
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            row = await conn.fetchrow(_TOTALS, *args)
            day_rows = await conn.fetch(_DAYS, *args)
            customer_rows = await conn.fetch(_CUSTOMERS, *args)
            rating = await conn.fetchrow(_RATING, *args)
            hour_rows = await conn.fetch(_HOURS, *args)
        by_day = {r["day"]: r for r in day_rows}
        days = []
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            found = by_day.get(day)
            days.append(
                DayFigures(
                    day=day,
                    bookings=found["bookings"] if found else 0,
                    cancelled=found["cancelled"] if found else 0,
                    no_shows=found["no_shows"] if found else 0,
                    revenue_kopecks=int(found["revenue"]) if found else 0,
                )
            )
        sources: dict[str, int] = {}
        for r in customer_rows:
            sources[r["source"]] = sources.get(r["source"], 0) + r["n"]
        return Totals(
            bookings=row["bookings"],
            completed=row["completed"],
            confirmed=row["confirmed"],
            no_shows=row["no_shows"],
            cancelled_by_customer=row["by_customer"],
            cancelled_by_staff=row["by_staff"],
            cancelled_by_system=row["by_system"],
            revenue_kopecks=int(row["revenue"]),
            new_customers=sum(r["n"] for r in customer_rows if not r["returning"]),
            returning_customers=sum(r["n"] for r in customer_rows if r["returning"]),
            sources=tuple(sorted(sources.items(), key=lambda item: (-item[1], item[0]))),
            rating=rating["rating"],
            reviews=rating["reviews"],
            days=tuple(days),
            hours=tuple((r["hour"], r["n"]) for r in hour_rows),
        )

    async def loads(
        self, first: date, last: date, zone: str, master_id: int | None
    ) -> list[MasterLoad]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            rows = await conn.fetch(_LOADS, first, last, zone, master_id)
        return [
            MasterLoad(
                master_id=r["id"],
                name=r["name"],
                booked_min=r["booked_min"],
                open_min=r["open_min"],
            )
            for r in rows
        ]
