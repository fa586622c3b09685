"""A master's weekly hours: per weekday the working hours (`10:00-20:00`, several ranges
allowed), the breaks inside them (`14:00-15:00`), or a day off.

Owner and admins edit anyone's week; a master only their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import manages_all, require_master
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.masters import master_row
from services.booking.use_cases.admin.parsing import is_none, parse_ranges
from services.booking.use_cases.admin.ports import (
    AdminScope,
    AdminSession,
    Interval,
    MasterRow,
    Staff,
)
from services.booking.use_cases.slotwait.opened import offer_opened_dates, opened, weekdays_until


@dataclass(frozen=True, slots=True)
class WeekDay:
    weekday: int
    hours: tuple[Interval, ...]
    breaks: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class WeekView:
    master: MasterRow
    days: tuple[WeekDay, ...]  # Monday .. Sunday


def inside(part: Interval, wholes: tuple[Interval, ...]) -> bool:
    return any(lo <= part[0] and part[1] <= hi for lo, hi in wholes)


async def schedule_masters(scope: AdminScope, actor: Staff) -> list[MasterRow]:
    """Whose schedule the actor may open: everyone's, or a master's own."""
    async with scope.store.transaction() as session:
        if manages_all(actor):
            return await session.all_masters()
        if actor.master_id is None:
            raise BadInput("unlinked")
        return [await master_row(session, actor.master_id)]


async def _week(session: AdminSession, master_id: int) -> WeekView:
    master = await master_row(session, master_id)
    hours, breaks = await session.week(master_id)
    days = tuple(
        WeekDay(
            weekday=d,
            hours=tuple(sorted((r.starts, r.ends) for r in hours if r.weekday == d)),
            breaks=tuple(sorted((r.starts, r.ends) for r in breaks if r.weekday == d)),
        )
        for d in range(7)
    )
    return WeekView(master=master, days=days)


def _weekday(weekday: int) -> int:
    if not 0 <= weekday <= 6:
        raise Unknown("weekday", weekday)
    return weekday


async def week(scope: AdminScope, actor: Staff, master_id: int) -> WeekView:
    require_master(actor, master_id)
    async with scope.store.transaction() as session:
        return await _week(session, master_id)


async def set_hours(
    scope: AdminScope, actor: Staff, master_id: int, weekday: int, text: str
) -> WeekView:
    """New hours of a weekday (`-` = a day off); breaks no longer inside them are dropped."""
    require_master(actor, master_id)
    weekday = _weekday(weekday)
    hours: tuple[Interval, ...] = () if is_none(text) else parse_ranges(text)
    async with scope.store.transaction() as session:
        current = (await _week(session, master_id)).days[weekday]
        kept = tuple(b for b in current.breaks if inside(b, hours))
        await session.set_week_day(master_id, weekday, hours=hours, breaks=kept)
        await audit.record(
            session,
            actor,
            "hours.set",
            f"master:{master_id} weekday:{weekday}",
            before={"hours": current.hours, "breaks": current.breaks},
            after={"hours": hours, "breaks": kept},
        )
        added = opened((current.hours, current.breaks), (hours, kept))
        await _offer_weekly(scope, session, master_id, weekday, added, "hours")
        return await _week(session, master_id)


async def set_breaks(
    scope: AdminScope, actor: Staff, master_id: int, weekday: int, text: str
) -> WeekView:
    """Breaks of a weekday (`-` = none); each must lie inside the day's hours."""
    require_master(actor, master_id)
    weekday = _weekday(weekday)
    breaks: tuple[Interval, ...] = () if is_none(text) else parse_ranges(text)
    async with scope.store.transaction() as session:
        current = (await _week(session, master_id)).days[weekday]
        if breaks and not current.hours:
            raise BadInput("break_no_hours")
        if not all(inside(b, current.hours) for b in breaks):
            raise BadInput("break_outside")
        await session.set_week_day(master_id, weekday, breaks=breaks)
        await audit.record(
            session,
            actor,
            "breaks.set",
            f"master:{master_id} weekday:{weekday}",
            before={"breaks": current.breaks},
            after={"breaks": breaks},
        )
        added = opened((current.hours, current.breaks), (current.hours, breaks))
        await _offer_weekly(scope, session, master_id, weekday, added, "breaks")
        return await _week(session, master_id)


async def _offer_weekly(
    scope: AdminScope,
    session: AdminSession,
    master_id: int,
    weekday: int,
    added: list[Interval],
    kind: str,
) -> None:
    """Offer the waitlist the weekly time just opened, on every date of that weekday up to the
    booking horizon that keeps the weekly hours (a day off or changed hours keep theirs)."""
    if not added:
        return
    business = await session.business()
    now = scope.clock.now()
    today = now.astimezone(ZoneInfo(business.timezone)).date()
    last = today + timedelta(days=business.horizon_days)
    marks = await session.marked_days(master_id, today, last)
    days = weekdays_until(today, last, weekday, set(marks))
    await offer_opened_dates(
        session,
        scope.tenant_id,
        master_id=master_id,
        spans=dict.fromkeys(days, added),
        timezone=business.timezone,
        now=now,
        kind=kind,
    )


async def day_off(scope: AdminScope, actor: Staff, master_id: int, weekday: int) -> WeekView:
    """The weekday becomes a day off every week (no hours, no breaks)."""
    return await set_hours(scope, actor, master_id, weekday, "-")
