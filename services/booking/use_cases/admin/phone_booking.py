"""A booking for a caller (someone who phoned or walked in), made by staff.

Staff find or enter the customer (`callers`), then pick service, master and a free time from
the same availability engine as a customer; the booking is inserted with `source = 'admin'`
and the actor `staff:<telegram id>` under the same exclusion constraint. Its
`BookingCreated(made_by="staff")` is written in the transaction, so notifier confirms it to a
customer who has a chat with the bot and schedules the usual reminders. Losing a race for the
time is a `Lost` with the day's fresh free times, not an error. A repeated «Записать» (double
tap, redelivery) finds the booking made and answers as done. A master books only into their
own schedule; every id from a button is re-checked. A service that asks prepayment holds the
booking for a customer with a chat with the bot (the payment link goes to them there, as for a
booking in the bot); for one without, it is booked as usual and staff are told to take the
prepayment on site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.availability import free_slots
from services.booking.domain.entities import Booking, Customer, MasterInfo, ServiceInfo
from services.booking.domain.errors import SlotTaken
from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.bookings import actor_tag
from services.booking.use_cases.admin.desk_ports import DeskScope, DeskSession
from services.booking.use_cases.admin.desk_rules import (
    DAYS_AHEAD,
    audience,
    day_list,
    load_inputs,
    local_today,
    require_books_for,
)
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.choice import Choice, pick_master
from services.booking.use_cases.errors import ChoiceGone, SlotUnavailable
from services.booking.use_cases.events import record_created
from services.booking.use_cases.ports import BusinessSettings
from services.booking.use_cases.prepay.hold import start_hold
from services.booking.use_cases.prepay.ports import Prepayment
from shared.errors import NotFound

MAX_CUSTOMER_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Pick:
    """What the buttons carry: the customer, the service and the master (0 = not yet)."""

    customer_id: int
    service_id: int = 0
    master_id: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    """Where the booking stands: the customer, the service and master once chosen."""

    customer: Customer
    service: ServiceInfo | None
    master: MasterInfo | None
    business: BusinessSettings


@dataclass(frozen=True, slots=True)
class Times:
    step: Step
    day: date
    times: tuple[datetime, ...]


@dataclass(frozen=True, slots=True)
class Booked:
    booking: Booking
    customer: Customer
    business: BusinessSettings
    prepayment: Prepayment | None = None  # held: the customer got the payment link in the bot
    on_site_kopecks: int = 0  # the service asks prepayment, the customer has no chat: on site


@dataclass(frozen=True, slots=True)
class Lost:
    """The time went to someone else (the database said so): the day's free times now."""

    times: Times


async def _step(session: DeskSession, actor: Staff, pick: Pick) -> Step:
    """The pick re-checked: the customer exists, the service is active, the master does it
    and the actor may book for them."""
    if not 0 < pick.customer_id <= MAX_CUSTOMER_ID:
        raise BadInput("bad_button")
    customer = await session.customer_by_id(pick.customer_id)
    if customer is None:
        raise BadInput("bad_button")
    service = master = None
    if pick.service_id:
        service = next(
            (s for s in await _services(session, actor) if s.id == pick.service_id), None
        )
        if service is None:
            raise Unknown("service", pick.service_id)
    if pick.master_id:
        if service is None:
            raise BadInput("bad_button")
        require_books_for(actor, pick.master_id)
        masters = await session.masters_of_service(service.id)
        master = next((m for m in masters if m.id == pick.master_id), None)
        if master is None:
            raise Unknown("master", pick.master_id)
    return Step(
        customer=customer, service=service, master=master, business=await session.business()
    )


async def _services(session: DeskSession, actor: Staff) -> list[ServiceInfo]:
    services = [
        ServiceInfo(
            id=s.id,
            name=s.name,
            description="",
            duration_min=s.duration_min,
            price_kopecks=s.price_kopecks,
            buffer_before_min=s.buffer_before_min,
            buffer_after_min=s.buffer_after_min,
        )
        for s in await session.all_services()
        if s.active
    ]
    if actor.role != "master":
        return services
    own = actor.master_id
    if own is None:
        raise BadInput("unlinked")
    return [s for s in services if any(m.id == own for m in await session.masters_of_service(s.id))]


async def services(scope: DeskScope, actor: Staff, pick: Pick) -> tuple[Step, list[ServiceInfo]]:
    async with scope.store.transaction() as session:
        step = await _step(session, actor, Pick(pick.customer_id))
        return step, await _services(session, actor)


async def masters(scope: DeskScope, actor: Staff, pick: Pick) -> tuple[Step, list[MasterInfo]]:
    async with scope.store.transaction() as session:
        step = await _step(session, actor, Pick(pick.customer_id, pick.service_id))
        assert step.service is not None  # _step refuses a pick without one
        found = await session.masters_of_service(step.service.id)
    if actor.role == "master":
        found = [m for m in found if m.id == actor.master_id]
    return step, found


def _full(step: Step) -> tuple[ServiceInfo, MasterInfo]:
    if step.service is None or step.master is None:
        raise BadInput("bad_button")
    return step.service, step.master


async def days(scope: DeskScope, actor: Staff, pick: Pick) -> tuple[Step, list[tuple[date, bool]]]:
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        step = await _step(session, actor, pick)
        service, master = _full(step)
        today = local_today(now, step.business.timezone)
        last = today + timedelta(days=DAYS_AHEAD)
        inputs = await load_inputs(
            session, Choice(service.id, master.id), first_day=today, last_day=last, now=now
        )
    return step, day_list(inputs, today, master.id)


async def _times(session: DeskSession, step: Step, day: date, now: datetime) -> Times:
    service, master = _full(step)
    inputs = await load_inputs(
        session, Choice(service.id, master.id), first_day=day, last_day=day, now=now
    )
    slots = free_slots(inputs, day, master.id)
    return Times(step=step, day=day, times=tuple(s.starts_at for s in slots))


async def times(scope: DeskScope, actor: Staff, pick: Pick, day: date) -> Times:
    async with scope.store.transaction() as session:
        step = await _step(session, actor, pick)
        return await _times(session, step, day, scope.clock.now())


async def summary(scope: DeskScope, actor: Staff, pick: Pick, starts_at: datetime) -> Step | Lost:
    """The time re-checked with the engine before staff confirm it; `Lost` when it is gone."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        step = await _step(session, actor, pick)
        service, master = _full(step)
        day = starts_at.astimezone(ZoneInfo(step.business.timezone)).date()
        choice = Choice(service.id, master.id)
        inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
        try:
            pick_master(inputs, choice, starts_at)
        except (SlotTaken, SlotUnavailable):
            return Lost(times=await _times(session, step, day, now))
    return step


async def book(
    scope: DeskScope,
    actor: Staff,
    pick: Pick,
    starts_at: datetime,
    *,
    return_url: str = "https://t.me",
) -> Booked | Lost:
    """A service that asks prepayment holds the booking as in the bot when the customer has a
    chat with it (the link goes to them there, announced once paid); without a chat nothing
    can reach them, so it is booked as usual and `on_site_kopecks` tells staff to take it on
    site."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        step = await _step(session, actor, pick)
        service, master = _full(step)
        day = starts_at.astimezone(ZoneInfo(step.business.timezone)).date()
        lines = await session.bookings_between(
            starts_at, starts_at + timedelta(seconds=1), master_id=master.id
        )
        done = [
            line.booking
            for line in lines
            if line.booking.customer_id == step.customer.id
            and line.booking.service_id == service.id
            and line.booking.status == "confirmed"
            and line.booking.source == "admin"
        ]
        if done:  # made before: a double tap or a redelivered update
            return Booked(
                booking=done[0],
                customer=step.customer,
                business=step.business,
                prepayment=await session.prepayment(done[0].id),
            )
        choice = Choice(service.id, master.id)
        inputs = await load_inputs(session, choice, first_day=day, last_day=day, now=now)
        try:
            pick_master(inputs, choice, starts_at)
            booking = await session.create_booking(
                customer_id=step.customer.id,
                service_id=service.id,
                master_id=master.id,
                starts_at=starts_at,
                actor=actor_tag(actor),
                source="admin",
            )
        except (SlotTaken, SlotUnavailable):
            return Lost(times=await _times(session, step, day, now))
        except (NotFound, ChoiceGone) as gone:
            raise Unknown("master", master.id) from gone
        terms = await session.prepay_terms(service.id)
        prepayment = None
        if terms is not None and step.customer.telegram_id:
            prepayment = await start_hold(
                session,
                scope.tenant_id,
                booking,
                step.customer,
                terms,
                now=now,
                return_url=return_url,
            )
        else:
            await record_created(
                session,
                scope.tenant_id,
                booking,
                step.customer,
                await audience(session),
                made_by="staff",
            )
        await audit.record(
            session,
            actor,
            "booking.create",
            f"booking:{booking.id}",
            after={
                "customer": step.customer.name,
                "service": service.name,
                "master": master.name,
                "starts_at": booking.starts_at,
            },
        )
    return Booked(
        booking=booking,
        customer=step.customer,
        business=step.business,
        prepayment=prepayment,
        on_site_kopecks=terms.amount_kopecks if terms is not None and prepayment is None else 0,
    )
