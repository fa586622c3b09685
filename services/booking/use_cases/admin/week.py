"""The week at a glance: a grid of days × times of day for one master or all of them.

Each cell is a stretch of the day (30 minutes, or an hour when the hours span more than 14):
`BUSY` when a booking (confirmed or completed) overlaps it, `FREE` when the master works at the
cell's start and nothing is blocked there, `CLOSED` otherwise. For all masters a cell is busy
when every master who works then is busy, `SOME` when only some are, free when none is.
Columns span the earliest opening to the latest closing of the week shown. A master sees only
their own week; owner and admins any master's, or everyone's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from services.booking.domain.model import MasterSchedule
from services.booking.use_cases.admin.access import manages_all
from services.booking.use_cases.admin.desk_ports import DeskScope, Visit
from services.booking.use_cases.admin.errors import BadInput, NotAllowed, Unknown
from services.booking.use_cases.admin.ports import MasterRow, Staff

Cell = Literal["closed", "free", "busy", "some"]
DEFAULT_SPAN = (10 * 60, 20 * 60)
WIDE_SPAN_MIN = 14 * 60


@dataclass(frozen=True, slots=True)
class WeekRow:
    day: date
    cells: tuple[Cell, ...]
    bookings: int


@dataclass(frozen=True, slots=True)
class WeekView:
    monday: date
    today: date
    master: MasterRow | None  # None = all masters
    masters: tuple[MasterRow, ...]  # whom the viewer may switch to
    first_minute: int  # wall-clock minute of the first column
    cell_min: int
    rows: tuple[WeekRow, ...]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _span(schedules: list[MasterSchedule], days: list[date]) -> tuple[int, int]:
    windows = [w for s in schedules for d in days for w in s.windows_on(d)]
    if not windows:
        return DEFAULT_SPAN
    lo = min(w[0] for w in windows) // 60 * 60
    hi = -(-max(w[1] for w in windows) // 60) * 60
    return lo, hi


def _overlaps(spans: list[tuple[float, float]], lo: float, hi: float) -> bool:
    return any(a < hi and b > lo for a, b in spans)


def _master_cells(
    schedule: MasterSchedule,
    visits: list[tuple[float, float]],
    day: date,
    edges: list[tuple[int, float, float]],
) -> list[Cell]:
    """One master's cells of one day; `edges` are (wall-clock minute, lo, hi) per cell."""
    day_lo, day_hi = edges[0][1], edges[-1][2]
    windows = schedule.windows_on(day)
    blocked = [
        (b.starts_at.timestamp(), b.ends_at.timestamp())
        for b in schedule.blocked
        if b.starts_at.timestamp() < day_hi and b.ends_at.timestamp() > day_lo
    ]
    mine = [(a, b) for a, b in visits if a < day_hi and b > day_lo]
    cells: list[Cell] = []
    for minute, lo, hi in edges:
        if _overlaps(mine, lo, hi):
            cells.append("busy")
        elif any(w[0] <= minute < w[1] for w in windows) and not _overlaps(blocked, lo, hi):
            cells.append("free")
        else:
            cells.append("closed")
    return cells


def _merge(states: tuple[Cell, ...]) -> Cell:
    open_ = [s for s in states if s != "closed"]
    if not open_:
        return "closed"
    busy = sum(s == "busy" for s in open_)
    if busy == 0:
        return "free"
    return "busy" if busy == len(open_) else "some"


def build_rows(
    schedules: list[MasterSchedule], visits: list[Visit], monday: date, zone: str
) -> tuple[int, int, tuple[WeekRow, ...]]:
    tz = ZoneInfo(zone)
    days = [monday + timedelta(days=n) for n in range(7)]
    first, last = _span(schedules, days)
    cell = 30 if last - first <= WIDE_SPAN_MIN else 60
    spans: dict[int, list[tuple[float, float]]] = {s.master_id: [] for s in schedules}
    for visit in visits:
        spans.setdefault(visit.master_id, []).append(
            (visit.starts_at.timestamp(), visit.ends_at.timestamp())
        )
    counts = Counter(v.starts_at.astimezone(tz).date() for v in visits)
    rows = []
    for day in days:
        midnight = datetime.combine(day, time(), tzinfo=tz)
        edges = [
            (
                minute,
                (midnight + timedelta(minutes=minute)).timestamp(),
                (midnight + timedelta(minutes=minute + cell)).timestamp(),
            )
            for minute in range(first, last, cell)
        ]
        per_master = [_master_cells(s, spans[s.master_id], day, edges) for s in schedules]
        cells = tuple(_merge(states) for states in zip(*per_master, strict=True))
        if not schedules:
            cells = tuple("closed" for _ in edges)
        rows.append(WeekRow(day=day, cells=cells, bookings=counts[day]))
    return first, cell, tuple(rows)


async def week(scope: DeskScope, actor: Staff, master_id: int, wanted: date | None) -> WeekView:
    """One master's week (`master_id`), or everyone's (0); `wanted` any day of the week."""
    if not manages_all(actor):
        if actor.master_id is None:
            raise BadInput("unlinked")
        if master_id not in (0, actor.master_id):
            raise NotAllowed("schedule")
        master_id = actor.master_id
    async with scope.store.transaction() as session:
        business = await session.business()
        tz = ZoneInfo(business.timezone)
        today = scope.clock.now().astimezone(tz).date()
        monday = monday_of(wanted or today)
        everyone = await session.active_masters()
        shown = [m for m in everyone if master_id in (0, m.id)]
        if master_id and not shown:
            raise Unknown("master", master_id)
        ids = [m.id for m in shown]
        sunday = monday + timedelta(days=6)
        schedules = await session.week_schedules(ids, monday, sunday) if ids else []
        lo = datetime.combine(monday, time(), tzinfo=tz)
        visits = await session.visits_between(ids, lo, lo + timedelta(days=7)) if ids else []
    first, cell, rows = build_rows(schedules, visits, monday, business.timezone)
    return WeekView(
        monday=monday,
        today=today,
        master=shown[0] if master_id else None,
        masters=tuple(everyone) if manages_all(actor) else (),
        first_minute=first,
        cell_min=cell,
        rows=rows,
    )
