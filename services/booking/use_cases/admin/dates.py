"""One-off changes of a master's date: a day off, changed hours (which replace the weekly
hours and breaks of that date), and blocked time ranges. Dates in the past are refused.

Owner and admins for any master; a master only for themselves. A business-wide blocked range
(no master) is only removed by the owner or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import MAX_ID, require_manager, require_master
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.masters import master_row
from services.booking.use_cases.admin.parsing import is_none, parse_range, parse_ranges
from services.booking.use_cases.admin.ports import (
    AdminScope,
    AdminSession,
    DateRows,
    Interval,
    MasterRow,
    Staff,
)
from services.booking.use_cases.slotwait.freed import cause, offer_freed
from services.booking.use_cases.slotwait.opened import minus, offer_opened_dates

MONTHS_AHEAD = 12


@dataclass(frozen=True, slots=True)
class MonthMarks:
    master: MasterRow
    year: int
    month: int
    today: date
    marks: dict[date, str]  # "off" / "changed"

    @property
    def can_go_back(self) -> bool:
        return (self.year, self.month) > (self.today.year, self.today.month)

    @property
    def can_go_forward(self) -> bool:
        months = (self.year - self.today.year) * 12 + self.month - self.today.month
        return months < MONTHS_AHEAD


@dataclass(frozen=True, slots=True)
class DateView:
    master: MasterRow
    day: date
    timezone: str
    weekly: tuple[Interval, ...]
    breaks: tuple[Interval, ...]
    rows: DateRows


def today_of(scope: AdminScope, timezone: str) -> date:
    return scope.clock.now().astimezone(ZoneInfo(timezone)).date()


async def month(
    scope: AdminScope, actor: Staff, master_id: int, year: int | None = None, number: int = 0
) -> MonthMarks:
    """A month to pick a date from (`year` None = the current month)."""
    require_master(actor, master_id)
    async with scope.store.transaction() as session:
        master = await master_row(session, master_id)
        today = today_of(scope, (await session.business()).timezone)
        year, number = (today.year, today.month) if year is None else (year, number)
        ahead = (year - today.year) * 12 + number - today.month
        if ahead > MONTHS_AHEAD or not 1 <= number <= 12:
            raise BadInput("too_far")
        first = date(year, number, 1) if ahead > 0 else date(today.year, today.month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        marks = await session.marked_days(master_id, first, last)
    return MonthMarks(master, first.year, first.month, today, marks)


async def _view(scope: AdminScope, session: AdminSession, master_id: int, day: date) -> DateView:
    master = await master_row(session, master_id)
    business = await session.business()
    if day < today_of(scope, business.timezone):
        raise BadInput("past_date")
    hours, breaks = await session.week(master_id)
    return DateView(
        master=master,
        day=day,
        timezone=business.timezone,
        weekly=tuple(sorted((h.starts, h.ends) for h in hours if h.weekday == day.weekday())),
        breaks=tuple(sorted((b.starts, b.ends) for b in breaks if b.weekday == day.weekday())),
        rows=await session.date_rows(master_id, day),
    )


async def view(scope: AdminScope, actor: Staff, master_id: int, day: date) -> DateView:
    require_master(actor, master_id)
    async with scope.store.transaction() as session:
        return await _view(scope, session, master_id, day)


async def set_day_off(
    scope: AdminScope, actor: Staff, master_id: int, day: date, *, off: bool
) -> DateView:
    require_master(actor, master_id)
    async with scope.store.transaction() as session:
        before = await _view(scope, session, master_id, day)
        await session.set_day_off(master_id, day, off=off)
        await audit.record(
            session,
            actor,
            "date.off" if off else "date.on",
            f"master:{master_id} day:{day}",
            before={"day_off": before.rows.day_off},
            after={"day_off": off},
        )
        after = await _view(scope, session, master_id, day)
        await _offer_opened(scope, session, before, after, "dayon")
        return after


async def set_changed_hours(
    scope: AdminScope, actor: Staff, master_id: int, day: date, text: str
) -> DateView:
    """Hours of this date only (`10:00-14:00, 15:00-18:00`); `-` returns the weekly hours."""
    require_master(actor, master_id)
    hours: tuple[Interval, ...] = () if is_none(text) else parse_ranges(text)
    async with scope.store.transaction() as session:
        before = await _view(scope, session, master_id, day)
        await session.set_changed_hours(master_id, day, hours)
        await audit.record(
            session,
            actor,
            "date.hours",
            f"master:{master_id} day:{day}",
            before={"hours": before.rows.changed or before.weekly},
            after={"hours": hours},
        )
        if hours:
            await session.set_day_off(master_id, day, off=False)
        after = await _view(scope, session, master_id, day)
        await _offer_opened(scope, session, before, after, "dayhours")
        return after


def _open(view: DateView) -> tuple[Interval, ...]:
    """The date's working time: none on a day off, its changed hours (which replace the weekly
    hours and breaks), else the weekly hours less the breaks. Blocked ranges are the engine's."""
    if view.rows.day_off or view.rows.business_closed:
        return ()
    if view.rows.changed:
        return view.rows.changed
    return tuple(minus(view.weekly, view.breaks))


async def _offer_opened(
    scope: AdminScope, session: AdminSession, before: DateView, after: DateView, kind: str
) -> None:
    """Offer the waitlist the time of this date that the change opened (none if it shrank)."""
    spans = minus(_open(after), _open(before))
    if spans:
        await offer_opened_dates(
            session,
            scope.tenant_id,
            master_id=after.master.id,
            spans={after.day: spans},
            timezone=after.timezone,
            now=scope.clock.now(),
            kind=kind,
        )


async def block(scope: AdminScope, actor: Staff, master_id: int, day: date, text: str) -> DateView:
    """Block `12:00-14:00` of this date for bookings; a range already over is refused."""
    require_master(actor, master_id)
    starts, ends = parse_range(text)
    async with scope.store.transaction() as session:
        current = await _view(scope, session, master_id, day)
        zone = ZoneInfo(current.timezone)
        starts_at = datetime.combine(day, starts, tzinfo=zone)
        ends_at = datetime.combine(day, ends, tzinfo=zone)
        if ends_at <= scope.clock.now():
            raise BadInput("past_range")
        await session.add_blocked(master_id, starts_at, ends_at)
        await audit.record(
            session,
            actor,
            "date.block",
            f"master:{master_id} day:{day}",
            after={"from": starts, "to": ends},
        )
        return await _view(scope, session, master_id, day)


async def unblock(scope: AdminScope, actor: Staff, block_id: int) -> DateView:
    """Remove a blocked range; the date it was on is shown again."""
    async with scope.store.transaction() as session:
        found = await session.blocked(block_id) if 0 < block_id <= MAX_ID else None
        if found is None:
            raise Unknown("blocked", block_id)
        master_id, blocked = found
        if master_id is None:
            require_manager(actor, "schedule")
            raise Unknown("blocked", block_id)  # business-wide ranges are not on a master's day
        require_master(actor, master_id)
        business = await session.business()
        day = blocked.starts_at.astimezone(ZoneInfo(business.timezone)).date()
        await session.remove_blocked(block_id)
        await offer_freed(
            session,
            scope.tenant_id,
            master_id=master_id,
            starts_at=blocked.starts_at,
            ends_at=blocked.ends_at,
            now=scope.clock.now(),
            cause=cause("unblock", block_id, scope.clock.now()),
        )
        await audit.record(
            session,
            actor,
            "date.unblock",
            f"master:{master_id} day:{day}",
            before={"from": blocked.starts_at, "to": blocked.ends_at},
        )
        today = today_of(scope, business.timezone)
        return await _view(scope, session, master_id, max(day, today))
