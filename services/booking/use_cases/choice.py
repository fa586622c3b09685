"""Choosing what to book: the service list, its masters, a day's free times, one time.

A `Choice` is what the buttons carry: a service, a master (None = any master) and, when a
booking is being moved, that booking (left out of the busy time). Every step re-reads the
schedule: a button only says what the customer pressed, never what is still true.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.booking.domain.availability import check_slot, free_slots
from services.booking.domain.entities import MasterInfo, ServiceInfo
from services.booking.domain.errors import MASTER_UNAVAILABLE, TAKEN, SlotRejected
from services.booking.domain.model import AvailabilityInputs
from services.booking.use_cases.blocked import refuse_blocked
from services.booking.use_cases.errors import ChoiceGone, LimitReached, SlotUnavailable
from services.booking.use_cases.ports import Scope, TenantSession
from shared.errors import NotFound


@dataclass(frozen=True, slots=True)
class Choice:
    service_id: int
    master_id: int | None = None  # None = any master
    booking_id: int | None = None  # the booking being rescheduled


@dataclass(frozen=True, slots=True)
class DayTimes:
    day: date
    times: tuple[datetime, ...]
    timezone: str


@dataclass(frozen=True, slots=True)
class Picked:
    """A time that was free when chosen, with whom and for what (for the summary)."""

    service: ServiceInfo
    master: MasterInfo
    starts_at: datetime
    any_master: bool
    timezone: str


def as_done_by(service: ServiceInfo, master: MasterInfo) -> ServiceInfo:
    """The service with the master's own price and duration where they differ."""
    return replace(
        service,
        price_kopecks=service.price_kopecks
        if master.price_kopecks is None
        else master.price_kopecks,
        duration_min=service.duration_min if master.duration_min is None else master.duration_min,
    )


async def find_service(session: TenantSession, service_id: int) -> ServiceInfo:
    for service in await session.services():
        if service.id == service_id:
            return service
    raise ChoiceGone("service", service_id)


async def find_master(session: TenantSession, service_id: int, master_id: int) -> MasterInfo:
    for master in await session.masters(service_id):
        if master.id == master_id:
            return master
    raise ChoiceGone("master", master_id)


async def load_inputs(
    session: TenantSession, choice: Choice, *, first_day: date, last_day: date, now: datetime
) -> AvailabilityInputs:
    """Fresh engine inputs for the choice; `ChoiceGone` if its service or master is gone."""
    try:
        inputs = await session.availability(
            service_id=choice.service_id,
            first_day=first_day,
            last_day=last_day,
            now=now,
            master_id=choice.master_id,
            exclude_booking_id=choice.booking_id,
        )
    except NotFound as error:
        raise ChoiceGone("service", choice.service_id) from error
    if choice.master_id is not None and not inputs.masters:
        raise ChoiceGone("master", choice.master_id)
    return inputs


def pick_master(
    inputs: AvailabilityInputs, choice: Choice, starts_at: datetime, preferred: int | None = None
) -> int:
    """The master who serves `starts_at`, or `SlotUnavailable` with the reason it is refused.

    With any master, the one shown before (`preferred`) keeps the time if still free;
    otherwise the engine's choice for that time.
    """
    day = starts_at.astimezone(inputs.rules.zone).date()
    candidates = [choice.master_id] if choice.master_id is not None else []
    if choice.master_id is None and preferred is not None:
        candidates.append(preferred)
    reasons: list[str] = []
    for master_id in candidates:
        try:
            check_slot(inputs, starts_at, master_id)
        except SlotRejected as refused:
            reasons.append(refused.reason)
        else:
            return master_id
    if choice.master_id is None:
        for slot in free_slots(inputs, day, None):
            if slot.starts_at == starts_at:
                return slot.master_id
        for master in inputs.masters:
            try:
                check_slot(inputs, starts_at, master.master_id)
            except SlotRejected as refused:
                reasons.append(refused.reason)
    reason = TAKEN if TAKEN in reasons else (reasons[0] if reasons else MASTER_UNAVAILABLE)
    raise SlotUnavailable(
        reason,
        service_id=choice.service_id,
        master_id=choice.master_id or 0,
        booking_id=choice.booking_id or 0,
        day=day,
    )


async def start_booking(scope: Scope, *, telegram_id: int) -> list[ServiceInfo]:
    """The services to choose from, unless the customer is already at the bookings limit."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        business = await session.business()
        customer = await session.customer(telegram_id)
        if customer is not None:
            await refuse_blocked(session, customer.id, phone=business.phone)
            active = await session.count_active(customer.id, now=now)
            if active >= business.max_active_bookings:
                raise LimitReached(business.max_active_bookings)
        return await session.services()


async def list_services(scope: Scope) -> list[ServiceInfo]:
    async with scope.store.transaction() as session:
        return await session.services()


async def masters_of(scope: Scope, service_id: int) -> tuple[ServiceInfo, list[MasterInfo]]:
    async with scope.store.transaction() as session:
        service = await find_service(session, service_id)
        return service, await session.masters(service_id)


async def day_times(scope: Scope, choice: Choice, day: date) -> DayTimes:
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
    slots = free_slots(inputs, day, choice.master_id)
    times = tuple(slot.starts_at for slot in slots)
    return DayTimes(day=day, times=times, timezone=inputs.rules.timezone)


async def choose_time(scope: Scope, choice: Choice, starts_at: datetime) -> Picked:
    """Check a pressed time for a new booking; who would serve it, for the summary."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        service = await find_service(session, choice.service_id)
        business = await session.business()
        day = starts_at.astimezone(ZoneInfo(business.timezone)).date()
        inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
        master_id = pick_master(inputs, choice, starts_at)
        master = await find_master(session, choice.service_id, master_id)
    return Picked(
        service=as_done_by(service, master),
        master=master,
        starts_at=starts_at,
        any_master=choice.master_id is None,
        timezone=business.timezone,
    )
