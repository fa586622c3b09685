"""SQL of the admin side for schedules: weekly hours and breaks, one-off days off, changed
hours and blocked ranges of one master."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.domain.model import WeeklyInterval
from services.booking.use_cases.admin.ports import Blocked, DateRows, Interval

_WEEK = """
SELECT true AS is_hours, weekday, starts, ends FROM working_hours WHERE master_id = $1
UNION ALL
SELECT false, weekday, starts, ends FROM breaks WHERE master_id = $1
ORDER BY 2, 3
"""
_DAY_OFF = """
SELECT bool_or(master_id = $1) AS mine, bool_or(master_id IS NULL) AS everyone
FROM days_off WHERE day = $2 AND (master_id = $1 OR master_id IS NULL)
"""
# The date's local midnight to the next, in the business's zone.
_BLOCKED = """
SELECT r.id, lower(r.during) AS starts_at, upper(r.during) AS ends_at, r.reason
FROM blocked_ranges AS r CROSS JOIN business AS b
WHERE r.master_id = $1
  AND r.during && tstzrange($2::date::timestamp AT TIME ZONE b.timezone,
                            ($2::date + 1)::timestamp AT TIME ZONE b.timezone)
ORDER BY lower(r.during)
"""
_MARKS = """
SELECT day, 'off' AS mark FROM days_off
WHERE (master_id = $1 OR master_id IS NULL) AND day BETWEEN $2 AND $3
UNION
SELECT day, 'changed' FROM changed_hours WHERE master_id = $1 AND day BETWEEN $2 AND $3
"""


class ScheduleSql:
    _conn: asyncpg.Connection

    async def week(self, master_id: int) -> tuple[list[WeeklyInterval], list[WeeklyInterval]]:
        hours: list[WeeklyInterval] = []
        breaks: list[WeeklyInterval] = []
        for row in await self._conn.fetch(_WEEK, master_id):
            target = hours if row["is_hours"] else breaks
            target.append(WeeklyInterval(row["weekday"], row["starts"], row["ends"]))
        return hours, breaks

    async def set_week_day(
        self,
        master_id: int,
        weekday: int,
        *,
        hours: tuple[Interval, ...] | None = None,
        breaks: tuple[Interval, ...] | None = None,
    ) -> None:
        for table, ranges in (("working_hours", hours), ("breaks", breaks)):
            if ranges is None:
                continue
            await self._conn.execute(
                f"DELETE FROM {table} WHERE master_id = $1 AND weekday = $2", master_id, weekday
            )
            await self._conn.executemany(
                f"INSERT INTO {table} (master_id, weekday, starts, ends) VALUES ($1, $2, $3, $4)",
                [(master_id, weekday, lo, hi) for lo, hi in ranges],
            )

    async def date_rows(self, master_id: int, day: date) -> DateRows:
        off = await self._conn.fetchrow(_DAY_OFF, master_id, day)
        changed = await self._conn.fetch(
            "SELECT starts, ends FROM changed_hours WHERE master_id = $1 AND day = $2"
            " ORDER BY starts",
            master_id,
            day,
        )
        blocked = await self._conn.fetch(_BLOCKED, master_id, day)
        return DateRows(
            day_off=bool(off and off["mine"]),
            business_closed=bool(off and off["everyone"]),
            changed=tuple((row["starts"], row["ends"]) for row in changed),
            blocked=tuple(Blocked(**dict(row)) for row in blocked),
        )

    async def marked_days(self, master_id: int, first: date, last: date) -> dict[date, str]:
        marks: dict[date, str] = {}
        for row in await self._conn.fetch(_MARKS, master_id, first, last):
            if marks.get(row["day"]) != "off":
                marks[row["day"]] = row["mark"]
        return marks

    async def set_day_off(self, master_id: int, day: date, *, off: bool) -> None:
        if off:
            await self._conn.execute(
                "INSERT INTO days_off (master_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                master_id,
                day,
            )
        else:
            await self._conn.execute(
                "DELETE FROM days_off WHERE master_id = $1 AND day = $2", master_id, day
            )

    async def set_changed_hours(
        self, master_id: int, day: date, hours: tuple[Interval, ...]
    ) -> None:
        await self._conn.execute(
            "DELETE FROM changed_hours WHERE master_id = $1 AND day = $2", master_id, day
        )
        await self._conn.executemany(
            "INSERT INTO changed_hours (master_id, day, starts, ends) VALUES ($1, $2, $3, $4)",
            [(master_id, day, lo, hi) for lo, hi in hours],
        )

    async def add_blocked(self, master_id: int, starts_at: datetime, ends_at: datetime) -> int:
        return int(
            await self._conn.fetchval(
                "INSERT INTO blocked_ranges (master_id, during)"
                " VALUES ($1, tstzrange($2, $3, '[)')) RETURNING id",
                master_id,
                starts_at,
                ends_at,
            )
        )

    async def blocked(self, block_id: int) -> tuple[int | None, Blocked] | None:
        row = await self._conn.fetchrow(
            "SELECT id, master_id, lower(during) AS starts_at, upper(during) AS ends_at, reason"
            " FROM blocked_ranges WHERE id = $1 AND closure_id IS NULL",
            block_id,
        )
        if row is None:
            return None
        values = dict(row)
        master_id = values.pop("master_id")
        return master_id, Blocked(**values)

    async def remove_blocked(self, block_id: int) -> None:
        await self._conn.execute("DELETE FROM blocked_ranges WHERE id = $1", block_id)
