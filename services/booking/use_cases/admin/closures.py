"""Closures that handle their bookings: a master's vacation over days, a business-wide
holiday, and a one-date change (a day off) that covers bookings.

A closure takes effect at once (its blocked range / closed days are written with it), and
the confirmed bookings it covers are attached to it, undecided. The owner then keeps them or
cancels them (one by one or all): a cancel goes through the admin cancel (its event in the
same transaction, so notifier drops the reminders) and hands back what to tell the customer,
with the nearest free times of the same service and master to rebook in one tap.

Owner and admins manage every closure; a master only their own vacation and days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.use_cases.admin import audit, bookings
from services.booking.use_cases.admin.access import MAX_ID, require_manager, require_master
from services.booking.use_cases.admin.closure_ports import (
    ClosureRow,
    ClosureScope,
    ClosureSession,
    Covered,
)
from services.booking.use_cases.admin.day_ranges import parse_days
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.offers import nearest_times
from services.booking.use_cases.admin.owner_errors import OwnerRefused
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.admin.still_fits import misfits
from services.booking.use_cases.ports import Scope
from services.booking.use_cases.slotwait.freed import cause, offer_freed


@dataclass(frozen=True, slots=True)
class ClosureView:
    closure: ClosureRow
    covered: tuple[Covered, ...]
    timezone: str


@dataclass(frozen=True, slots=True)
class Listing:
    closures: tuple[ClosureRow, ...]
    can_close_business: bool


@dataclass(frozen=True, slots=True)
class Notice:
    """What to tell one customer whose booking was cancelled."""

    booking: Covered
    offers: tuple[datetime, ...]
    timezone: str


def _may_touch(actor: Staff, closure: ClosureRow) -> None:
    if closure.master_id is None:
        require_manager(actor, "schedule")
    else:
        require_master(actor, closure.master_id)


def _today(scope: ClosureScope, zone: str) -> date:
    return scope.clock.now().astimezone(ZoneInfo(zone)).date()


def _span(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return (
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=tz),
    )


def _summary(found: ClosureView) -> dict[str, object]:
    """A closure as the audit log keeps it: whose, which days, how many bookings it covers."""
    closure = found.closure
    return {
        "master": closure.master_name or None,
        "kind": closure.kind,
        "from": closure.first_day,
        "to": closure.last_day,
        "bookings": len(found.covered),
    }


async def _view(session: ClosureSession, actor: Staff, closure_id: int) -> ClosureView:
    found = await session.closure(closure_id) if 0 < closure_id <= MAX_ID else None
    if found is None:
        raise OwnerRefused("admin.closure.unknown")
    _may_touch(actor, found)
    return ClosureView(
        closure=found,
        covered=tuple(await session.covered(closure_id)),
        timezone=await session.timezone(),
    )


async def listing(scope: ClosureScope, actor: Staff) -> Listing:
    """Closures that are not over yet (a master sees their own)."""
    async with scope.store.transaction() as session:
        today = _today(scope, await session.timezone())
        rows = await session.closures_from(today)
    mine = [
        r
        for r in rows
        if actor.role in ("owner", "admin") or (r.master_id and r.master_id == actor.master_id)
    ]
    return Listing(closures=tuple(mine), can_close_business=actor.role in ("owner", "admin"))


async def add(scope: ClosureScope, actor: Staff, master_id: int | None, text: str) -> ClosureView:
    """A vacation of `master_id` (None = a business-wide holiday) over the typed days."""
    if master_id is None:
        require_manager(actor, "schedule")
    else:
        require_master(actor, master_id)
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        zone = await session.timezone()
        if master_id is not None and (
            not 0 < master_id <= MAX_ID or await session.master_name(master_id) is None
        ):
            raise OwnerRefused("admin.closure.unknown_master")
        first, last = parse_days(text, _today(scope, zone))
        closure_id = await session.add_closure(
            master_id=master_id,
            kind="holiday" if master_id is None else "vacation",
            first_day=first,
            last_day=last,
            created_by=actor.telegram_id,
        )
        starts_at, ends_at = _span(first, last, zone)
        if master_id is None:
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            await session.close_days(closure_id, days)
        else:
            await session.block(closure_id, master_id, starts_at, ends_at)
        hit = await session.confirmed_between(master_id, starts_at, ends_at, after=now)
        await session.attach(closure_id, [b for b, *_ in hit])
        made = await _view(session, actor, closure_id)
        await audit.record(
            session, actor, "closure.add", f"closure:{closure_id}", after=_summary(made)
        )
        return made


async def cover_changes(
    scope: ClosureScope,
    customers: Scope,
    actor: Staff,
    master_id: int,
    first_day: date,
    last_day: date,
) -> ClosureView | None:
    """After a change of `master_id`'s schedule over `first_day..last_day` (already saved):
    the confirmed bookings it no longer holds, as a closure to decide on; None if none.
    Bookings the owner already kept (or has still to decide on) are not asked about again."""
    require_master(actor, master_id)
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        zone = await session.timezone()
        starts_at, ends_at = _span(first_day, last_day, zone)
        hit = await session.confirmed_between(master_id, starts_at, ends_at, after=now)
        asked = await session.already_asked([b for b, *_ in hit]) if hit else set()
    hit = [b for b in hit if b[0] not in asked]  # decided (or being decided) already
    if not hit:
        return None
    lost = await misfits(customers, master_id, hit)
    if not lost:
        return None
    async with scope.store.transaction() as session:
        closure_id = await session.add_closure(
            master_id=master_id,
            kind="date",
            first_day=first_day,
            last_day=last_day,
            created_by=actor.telegram_id,
        )
        await session.attach(closure_id, lost)
        return await _view(session, actor, closure_id)


async def view(scope: ClosureScope, actor: Staff, closure_id: int) -> ClosureView:
    async with scope.store.transaction() as session:
        return await _view(session, actor, closure_id)


def _chosen(found: ClosureView, booking_id: int | None) -> list[Covered]:
    pending = [c for c in found.covered if c.decision == "pending"]
    if booking_id is None:
        return pending
    chosen = [c for c in found.covered if c.booking_id == booking_id]
    if not chosen:
        raise OwnerRefused("admin.closure.not_covered")
    return chosen


async def keep(
    scope: ClosureScope, actor: Staff, closure_id: int, booking_id: int | None
) -> ClosureView:
    """Keep one covered booking (None = every undecided one) as it is."""
    async with scope.store.transaction() as session:
        found = await _view(session, actor, closure_id)
        ids = [c.booking_id for c in _chosen(found, booking_id)]
        kept = await session.decide(closure_id, ids, "kept")
        if kept:
            await audit.record(
                session,
                actor,
                "closure.keep",
                f"closure:{closure_id}",
                before={"pending": sorted(kept)},
                after={"kept": sorted(kept)},
            )
        return await _view(session, actor, closure_id)


async def cancel(
    scope: ClosureScope,
    admin: AdminScope,
    customers: Scope,
    actor: Staff,
    closure_id: int,
    booking_id: int | None,
    *,
    reason: str,
) -> tuple[ClosureView, list[Notice]]:
    """Cancel one covered booking (None = every undecided one) with the staff cancel; what
    to tell each customer, with the nearest free times of the same service and master.
    Only undecided bookings are cancelled; each is claimed before it is cancelled."""
    async with scope.store.transaction() as session:
        chosen = _chosen(await _view(session, actor, closure_id), booking_id)
        # claimed first: a double tap or a second admin cannot cancel (and notify) twice
        claimed = set(await session.decide(closure_id, [c.booking_id for c in chosen], "cancelled"))
    notices: list[Notice] = []
    for covered in (c for c in chosen if c.booking_id in claimed):
        try:
            card = await bookings.cancel(admin, actor, covered.booking_id, reason=reason, told=True)
        except (BadInput, Unknown):
            continue  # no longer confirmed (done, a no-show, cancelled meanwhile): nothing to do
        offers = await nearest_times(customers, covered.service_id, covered.master_id)
        notices.append(Notice(booking=covered, offers=offers, timezone=card.business.timezone))
    async with scope.store.transaction() as session:
        return await _view(session, actor, closure_id), notices


async def remove(scope: ClosureScope, actor: Staff, closure_id: int) -> Listing:
    """Lift a closure: its blocked range / closed days go with it; bookings stay as decided."""
    async with scope.store.transaction() as session:
        found = await _view(session, actor, closure_id)
        await session.remove(found.closure.id)
        await audit.record(
            session, actor, "closure.remove", f"closure:{closure_id}", before=_summary(found)
        )
        await _offer_lifted(scope, session, found.closure)
    return await listing(scope, actor)


async def _offer_lifted(scope: ClosureScope, session: ClosureSession, closure: ClosureRow) -> None:
    """The days a lifted closure held are free again: offer them to the waitlist."""
    zone = ZoneInfo(await session.timezone())
    now = scope.clock.now()
    await offer_freed(
        session,
        scope.tenant_id,
        master_id=closure.master_id,
        starts_at=datetime.combine(closure.first_day, time(0), zone),
        ends_at=datetime.combine(closure.last_day + timedelta(days=1), time(0), zone),
        now=now,
        cause=cause("closure", closure.id, now),
    )


async def cover_weekly(
    scope: ClosureScope, customers: Scope, actor: Staff, master_id: int
) -> ClosureView | None:
    """After a change of `master_id`'s weekly hours or breaks: the bookings from today to the
    horizon it no longer holds (see `cover_changes`)."""
    async with customers.store.transaction() as session:
        business = await session.business()
    today = _today(scope, business.timezone)
    last = today + timedelta(days=business.horizon_days)
    return await cover_changes(scope, customers, actor, master_id, today, last)
