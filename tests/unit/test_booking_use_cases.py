# ruff: noqa: ARG002 - the fake tenant keeps the signatures of the TenantSession protocol
"""The customer use cases with a hand-written in-memory tenant: cut-offs, limits, the calendar,
phones, hours, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import msgspec
import pytest

from services.booking.domain.entities import Booking, Customer, MasterInfo, Review, ServiceInfo
from services.booking.domain.errors import BookingNotActive, ReviewRefused
from services.booking.domain.model import (
    AvailabilityInputs,
    BookingRules,
    MasterSchedule,
    ServiceSpec,
    UtcRange,
    WeeklyInterval,
)
from services.booking.use_cases import about, calendar, choice, customers, manage, visits
from services.booking.use_cases.booking import Held, confirm_booking
from services.booking.use_cases.errors import (
    BadPhone,
    BookingUnknown,
    LimitReached,
    SlotUnavailable,
    StaleChoice,
    TooLate,
)
from services.booking.use_cases.ports import BusinessSettings, Scope

pytestmark = pytest.mark.unit

NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 Moscow
HAIRCUT = ServiceInfo(1, "Стрижка", "", 60, 150_000, 0, 0)
MASTER = MasterInfo(7, "Анна", "")
HOURS = tuple(WeeklyInterval(d, time(10), time(20)) for d in range(6))


def moscow(day: int, hour: int) -> datetime:
    return datetime(2031, 6, day, hour - 3, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


class Events:
    def __init__(self) -> None:
        self.sent: list[tuple[str, msgspec.Struct, str]] = []

    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        self.sent.append((subject, event, msg_id))


class Tenant:
    """An in-memory tenant: one service, one master, customers and bookings."""

    def __init__(self) -> None:
        self.settings = BusinessSettings(
            name="Салон",
            address="",
            phone="+7 495 000-00-00",
            timezone="Europe/Moscow",
            locale="ru",
            horizon_days=30,
            max_active_bookings=2,
            cancel_cutoff_min=120,
            reschedule_cutoff_min=120,
            reminder_offsets_min=(1440, 120),
        )
        self.customers: dict[int, Customer] = {}
        self.bookings: dict[int, Booking] = {}
        self.reviews: dict[int, Review] = {}
        self.outbox = Events()
        self.moves: list[tuple[int, datetime, datetime]] = []

    # the waitlist for freed time (slotwait): nobody waits in these tests
    async def slotwait_zone(self) -> tuple[str, str]:
        return ("Europe/Moscow", "ru")

    async def slotwait_waiters(self, *_: object) -> list[object]:
        return []

    async def slotwait_fulfil_matching(self, *_: object) -> bool:
        return False

    async def slotwait_reopen(self, *_: object) -> int:
        return 0

    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await self.outbox.record_event(subject, event, msg_id=msg_id)

    async def moved_from(self, booking_id: int, starts_at: datetime) -> datetime | None:
        found = [old for b, old, new in self.moves if b == booking_id and new == starts_at]
        return found[-1] if found else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tenant]:
        yield self

    async def business(self) -> BusinessSettings:
        return self.settings

    async def admin_chat_ids(self) -> tuple[int, ...]:
        return (1,)

    async def custom_texts(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
        del kinds  # the owner has reworded nothing
        return {}

    async def weekly_hours(self) -> list[WeeklyInterval]:
        return list(HOURS)

    async def services(self) -> list[ServiceInfo]:
        return [HAIRCUT]

    async def masters(self, service_id: int) -> list[MasterInfo]:
        return [MASTER] if service_id == HAIRCUT.id else []

    async def availability(
        self, *, service_id, first_day, last_day, now, master_id=None, exclude_booking_id=None
    ) -> AvailabilityInputs:
        busy = tuple(
            UtcRange(b.starts_at, b.ends_at)
            for b in self.bookings.values()
            if b.status == "confirmed" and b.id != exclude_booking_id
        )
        schedule = MasterSchedule(master_id=MASTER.id, weekly_hours=HOURS, bookings=busy)
        masters = (schedule,) if master_id in (None, MASTER.id) else ()
        return AvailabilityInputs(
            rules=BookingRules(timezone="Europe/Moscow", slot_step_min=30),
            service=ServiceSpec(service_id=service_id, duration_min=60),
            masters=masters,
            now=now,
        )

    async def customer(self, telegram_id: int) -> Customer | None:
        return self.customers.get(telegram_id)

    async def upsert_customer(
        self, *, telegram_id, name="", phone="", language_code="", source=None
    ) -> Customer:
        known = self.customers.get(telegram_id) or Customer(
            len(self.customers) + 1, telegram_id, "", "", "", None, NOW
        )
        known = replace(
            known,
            name=name or known.name,
            phone=phone or known.phone,
            source=known.source or source,
        )
        self.customers[telegram_id] = known
        return known

    async def lock_customer(self, customer_id: int) -> None:
        return None

    async def link_walk_in(self, customer_id: int, phone: str) -> int | None:
        return None  # no walk-ins here

    async def count_active(self, customer_id: int, *, now: datetime) -> int:
        return len(await self.upcoming(customer_id, now=now))

    async def customer_blocked(self, customer_id: int) -> bool:
        return False

    async def upcoming(self, customer_id: int, *, now: datetime) -> list[Booking]:
        return sorted(
            (
                b
                for b in self.bookings.values()
                if b.customer_id == customer_id and b.status == "confirmed" and b.ends_at > now
            ),
            key=lambda b: b.starts_at,
        )

    async def booking(self, booking_id: int) -> Booking | None:
        return self.bookings.get(booking_id)

    async def create_booking(
        self, *, customer_id, service_id, master_id, starts_at, actor, source="bot"
    ) -> Booking:
        booking = Booking(
            id=len(self.bookings) + 100,
            customer_id=customer_id,
            service_id=service_id,
            service_name=HAIRCUT.name,
            master_id=master_id,
            master_name=MASTER.name,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=60),
            price_kopecks=HAIRCUT.price_kopecks,
            status="confirmed",
            source=source,
            cancelled_by=None,
            cancel_reason="",
            attendance_confirmed_at=None,
            created_at=NOW,
        )
        self.bookings[booking.id] = booking
        return booking

    async def prepayment(self, booking_id: int) -> None:
        return None  # no prepayment in these businesses

    async def awaited(self, booking_ids: list[int]) -> dict[int, object]:
        return {}

    async def prepay_terms(self, service_id: int) -> None:
        return None

    async def cancel_booking(self, booking_id, *, cancelled_by, actor, customer_id) -> Booking:
        booking = replace(self.bookings[booking_id], status="cancelled", cancelled_by=cancelled_by)
        self.bookings[booking_id] = booking
        return booking

    async def reschedule_booking(self, booking_id, *, starts_at, actor, customer_id) -> Booking:
        old = self.bookings[booking_id]
        booking = replace(
            old, starts_at=starts_at, ends_at=starts_at + (old.ends_at - old.starts_at)
        )
        self.bookings[booking_id] = booking
        self.moves.append((booking_id, old.starts_at, starts_at))
        return booking

    async def confirm_attendance(self, booking_id: int, *, at: datetime) -> None:
        self.bookings[booking_id] = replace(self.bookings[booking_id], attendance_confirmed_at=at)

    async def add_review(self, *, booking_id, customer_id, stars, comment="") -> Review:
        if booking_id in self.reviews:
            raise ReviewRefused("review_exists", booking_id=booking_id)
        review = Review(1, booking_id, customer_id, stars, comment, NOW)
        self.reviews[booking_id] = review
        return review

    async def set_review_comment(self, *, booking_id, customer_id, comment) -> bool:
        review = self.reviews.get(booking_id)
        if review is None or review.comment:
            return False
        self.reviews[booking_id] = replace(review, comment=comment)
        return True


@pytest.fixture
def tenant() -> Tenant:
    return Tenant()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def events(tenant: Tenant) -> Events:
    return tenant.outbox


@pytest.fixture
def scope(tenant: Tenant, clock: Clock) -> Scope:
    return Scope(tenant_id="salon", store=tenant, clock=clock)


async def booked(tenant: Tenant, starts_at: datetime, telegram_id: int = 5) -> Booking:
    customer = await tenant.upsert_customer(telegram_id=telegram_id, name="Ольга", phone="+7912")
    return await tenant.create_booking(
        customer_id=customer.id,
        service_id=HAIRCUT.id,
        master_id=MASTER.id,
        starts_at=starts_at,
        actor="customer",
    )


# --- the calendar -------------------------------------------------------------------------


def test_the_month_marks_only_free_days_and_stays_inside_the_horizon() -> None:
    today, last = date(2031, 6, 2), date(2031, 7, 2)
    view = calendar.build_month((2031, 6), today=today, last_day=last, free={date(2031, 6, 3)})
    cells = [cell for week in view.weeks for cell in week]
    assert cells[:6] == [None] * 6  # June 2031 starts on a Sunday
    assert [c.day.day for c in cells if c is not None and c.free] == [3]
    assert len([c for c in cells if c is not None]) == 30
    assert (view.prev, view.next) == (None, (2031, 7))
    july = calendar.build_month((2031, 7), today=today, last_day=last, free=set())
    assert (july.prev, july.next, july.any_free) == ((2031, 6), None, False)


@pytest.mark.parametrize(
    ("wanted", "shown"),
    [(None, (2031, 6)), ((2030, 1), (2031, 6)), ((2031, 7), (2031, 7)), ((2099, 1), (2031, 7))],
)
def test_a_month_outside_the_horizon_is_clamped(wanted, shown) -> None:
    assert calendar.clamp_month(wanted, today=date(2031, 6, 2), last_day=date(2031, 7, 2)) == shown


@pytest.mark.asyncio
async def test_the_calendar_opens_on_the_next_month_when_this_one_is_full(scope, tenant) -> None:
    tenant.settings = replace(tenant.settings, horizon_days=40)
    scope.clock.value = datetime(2031, 6, 30, 17, 0, tzinfo=UTC)  # Monday 30th, 20:00: June is over
    view = await calendar.month_view(scope, choice.Choice(HAIRCUT.id))
    assert (view.year, view.month, view.any_free) == (2031, 7, True)


# --- customers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("79123456789", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_typed_phones_are_normalised(typed: str, phone: str) -> None:
    assert customers.normalize_phone(typed) == phone


@pytest.mark.parametrize("typed", ["", "привет", "12345", "+1 2", "8912345678901234"])
def test_what_is_not_a_phone_is_refused(typed: str) -> None:
    with pytest.raises(BadPhone):
        customers.normalize_phone(typed)


def test_only_plain_deep_link_sources_are_kept() -> None:
    assert customers.clean_source("instagram") == "instagram"
    assert customers.clean_source("vk-ads_2") == "vk-ads_2"
    assert customers.clean_source("<script>") is None
    assert customers.clean_source(None) is None


def test_the_week_is_summarised_in_runs_of_equal_days() -> None:
    lines = about.week_lines(
        [*HOURS, WeeklyInterval(5, time(9), time(12)), WeeklyInterval(0, time(12), time(21))]
    )
    assert [(line.first, line.last, line.opens, line.closes) for line in lines] == [
        (0, 0, time(10), time(21)),
        (1, 4, time(10), time(20)),
        (5, 5, time(9), time(20)),
        (6, 6, None, None),
    ]


# --- limits and confirming -----------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_limit_of_active_bookings_stops_a_new_booking(scope, tenant) -> None:
    await booked(tenant, moscow(3, 10))
    assert await choice.start_booking(scope, telegram_id=5) == [HAIRCUT]
    await booked(tenant, moscow(4, 10))
    with pytest.raises(LimitReached) as refused:
        await choice.start_booking(scope, telegram_id=5)
    assert refused.value.limit == 2
    held = Held(HAIRCUT.id, None, MASTER.id, moscow(5, 10))
    with pytest.raises(LimitReached):
        await confirm_booking(
            scope, telegram_id=5, service_id=HAIRCUT.id, starts_at=moscow(5, 10), held=held
        )


@pytest.mark.asyncio
async def test_confirm_books_publishes_and_is_idempotent(scope, tenant, events) -> None:
    await tenant.upsert_customer(telegram_id=5, name="Ольга", phone="+79120000000")
    held = Held(HAIRCUT.id, None, MASTER.id, moscow(3, 10))
    args = {"telegram_id": 5, "service_id": HAIRCUT.id, "starts_at": moscow(3, 10)}
    done = await confirm_booking(scope, held=held, **args)
    again = await confirm_booking(scope, held=None, **args)  # a double tap after the FSM cleared
    assert again.booking == done.booking
    assert len(tenant.bookings) == 1
    ids = [msg_id for _, _, msg_id in events.sent]
    assert ids == [f"booking:salon:{done.booking.id}:created"]  # recorded with the booking only
    subject, event, _ = events.sent[0]
    assert subject == "booking.created.salon"
    assert (event.customer_phone, event.admin_chat_ids) == ("+79120000000", (1,))


@pytest.mark.asyncio
async def test_a_confirm_that_does_not_match_the_conversation_is_stale(scope, tenant) -> None:
    await tenant.upsert_customer(telegram_id=5, name="Ольга", phone="+79120000000")
    held = Held(HAIRCUT.id, None, MASTER.id, moscow(3, 11))
    with pytest.raises(StaleChoice):
        await confirm_booking(
            scope, telegram_id=5, service_id=HAIRCUT.id, starts_at=moscow(3, 10), held=held
        )
    assert tenant.bookings == {}


@pytest.mark.asyncio
async def test_a_taken_time_is_refused_with_the_day_to_show_again(scope, tenant) -> None:
    await booked(tenant, moscow(3, 10), telegram_id=6)
    await tenant.upsert_customer(telegram_id=5, name="Ольга", phone="+79120000000")
    held = Held(HAIRCUT.id, None, MASTER.id, moscow(3, 10))
    with pytest.raises(SlotUnavailable) as refused:
        await confirm_booking(
            scope, telegram_id=5, service_id=HAIRCUT.id, starts_at=moscow(3, 10), held=held
        )
    assert (refused.value.reason, refused.value.day) == ("taken", date(2031, 6, 3))


# --- cut-offs -------------------------------------------------------------------------------


def test_the_cutoff_is_inclusive() -> None:
    assert manage.before_cutoff(NOW + timedelta(minutes=120), NOW, 120)
    assert not manage.before_cutoff(NOW + timedelta(minutes=119), NOW, 120)


@pytest.mark.asyncio
async def test_cancel_inside_the_window_publishes_outside_it_refuses(scope, tenant, events):
    early = await booked(tenant, moscow(2, 11))  # 2 hours away: still allowed
    late = await booked(tenant, moscow(2, 10))  # 1 hour away
    with pytest.raises(TooLate) as refused:
        await manage.cancel(scope, telegram_id=5, booking_id=late.id)
    assert (refused.value.action, refused.value.cutoff_min) == ("cancel", 120)
    done = await manage.cancel(scope, telegram_id=5, booking_id=early.id)
    assert done.booking.status == "cancelled"
    assert [msg_id for _, _, msg_id in events.sent] == [f"booking:salon:{early.id}:cancelled"]
    assert tenant.bookings[late.id].status == "confirmed"


@pytest.mark.asyncio
async def test_reschedule_respects_its_cutoff_and_the_grid(scope, tenant, events) -> None:
    booking = await booked(tenant, moscow(3, 10))
    with pytest.raises(SlotUnavailable) as refused:
        await manage.reschedule(
            scope,
            telegram_id=5,
            booking_id=booking.id,
            starts_at=moscow(3, 10) + timedelta(minutes=7),
            commit=True,
        )
    assert refused.value.reason == "off_grid"
    moved = await manage.reschedule(
        scope, telegram_id=5, booking_id=booking.id, starts_at=moscow(4, 12), commit=True
    )
    assert moved.booking.starts_at == moscow(4, 12)
    assert (
        events.sent[-1][2]
        == f"booking:salon:{booking.id}:rescheduled:{int(moscow(4, 12).timestamp())}"
    )
    scope.clock.value = moscow(4, 11)
    with pytest.raises(TooLate):
        await manage.move_target(scope, telegram_id=5, booking_id=booking.id)


@pytest.mark.asyncio
async def test_a_repeated_move_is_recognised_and_not_run_again(scope, tenant, events) -> None:
    booking = await booked(tenant, moscow(3, 10))
    args = {"telegram_id": 5, "booking_id": booking.id, "starts_at": moscow(3, 14)}
    first = await manage.reschedule(scope, commit=True, **args)
    scope.clock.value = moscow(3, 13)  # now inside the cut-off of the new time
    again = await manage.reschedule(scope, commit=True, **args)  # the same update redelivered
    assert (again.old_starts_at, again.booking.starts_at) == (moscow(3, 10), moscow(3, 14))
    assert first.old_starts_at == again.old_starts_at
    assert len(events.sent) == 1
    assert events.sent[0][1].old_starts_at == moscow(3, 10)


@pytest.mark.asyncio
async def test_someone_elses_booking_is_unknown(scope, tenant, events) -> None:
    theirs = await booked(tenant, moscow(3, 10), telegram_id=6)
    await tenant.upsert_customer(telegram_id=5)
    for booking_id in (theirs.id, 0, -1, 2**63, 999):
        with pytest.raises(BookingUnknown):
            await manage.cancel(scope, telegram_id=5, booking_id=booking_id)
    assert events.sent == []


# --- reminders and reviews ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_attendance_is_confirmed_before_the_visit_only(scope, tenant) -> None:
    booking = await booked(tenant, moscow(3, 10))
    await visits.confirm_attendance(scope, telegram_id=5, booking_id=booking.id)
    assert tenant.bookings[booking.id].attendance_confirmed_at == NOW
    scope.clock.value = moscow(3, 12)
    with pytest.raises(BookingNotActive):
        await visits.confirm_attendance(scope, telegram_id=5, booking_id=booking.id)


@pytest.mark.asyncio
async def test_a_review_comes_after_the_visit_once(scope, tenant) -> None:
    booking = await booked(tenant, moscow(3, 10))
    with pytest.raises(ReviewRefused, match="too_early"):
        await visits.rate_visit(scope, telegram_id=5, booking_id=booking.id, stars=5)
    scope.clock.value = moscow(3, 12)
    with pytest.raises(ReviewRefused, match="bad_stars"):
        await visits.rate_visit(scope, telegram_id=5, booking_id=booking.id, stars=6)
    with pytest.raises(BookingUnknown):
        await visits.rate_visit(scope, telegram_id=6, booking_id=booking.id, stars=5)
    await visits.rate_visit(scope, telegram_id=5, booking_id=booking.id, stars=4)
    assert await visits.comment_visit(scope, telegram_id=5, booking_id=booking.id, comment=" ok ")
    assert not await visits.comment_visit(
        scope, telegram_id=5, booking_id=booking.id, comment="again"
    )
    with pytest.raises(ReviewRefused, match="review_exists"):
        await visits.rate_visit(scope, telegram_id=5, booking_id=booking.id, stars=1)
    assert (tenant.reviews[booking.id].stars, tenant.reviews[booking.id].comment) == (4, "ok")


def test_both_locales_have_the_same_texts() -> None:
    from services.booking.main import LOCALES

    ru = msgspec.json.decode((LOCALES / "ru.json").read_bytes(), type=dict[str, str])
    en = msgspec.json.decode((LOCALES / "en.json").read_bytes(), type=dict[str, str])
    assert set(ru) == set(en)
