"""Admin use cases over a hand-written in-memory tenant: role rules, validation, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import msgspec
import pytest

from services.booking.domain.entities import Booking, Customer
from services.booking.domain.errors import BookingNotActive
from services.booking.domain.model import WeeklyInterval
from services.booking.use_cases.admin import bookings, dates, schedule, staff
from services.booking.use_cases.admin import settings as business_settings
from services.booking.use_cases.admin.audit_ports import AuditEntry
from services.booking.use_cases.admin.errors import BadInput, NotAllowed, Unknown
from services.booking.use_cases.admin.ports import (
    AdminScope,
    BookingLine,
    DateRows,
    MasterRow,
    Staff,
)
from services.booking.use_cases.ports import BusinessSettings
from shared.messages import BookingCancelled

pytestmark = [pytest.mark.unit, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
OWNER = Staff(id=1, telegram_id=100, name="Анна", role="owner", master_id=None)
ADMIN = Staff(id=2, telegram_id=200, name="Оля", role="admin", master_id=None)
MASTER = Staff(id=3, telegram_id=300, name="Ира", role="master", master_id=7)
BUSINESS = BusinessSettings(
    name="Салон",
    address="",
    phone="",
    timezone="Europe/Moscow",
    locale="ru",
    horizon_days=30,
    max_active_bookings=3,
    cancel_cutoff_min=120,
    reschedule_cutoff_min=120,
    reminder_offsets_min=(1440, 120),
)
CUSTOMER = Customer(
    id=5,
    telegram_id=555,
    name="Ольга",
    phone="+7912",
    language_code="ru",
    source=None,
    first_seen=NOW,
)


def booking(booking_id: int, master_id: int, starts_at: datetime) -> Booking:
    return Booking(
        id=booking_id,
        customer_id=5,
        service_id=1,
        service_name="Стрижка",
        master_id=master_id,
        master_name="Ира",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        price_kopecks=150_000,
        status="confirmed",
        source="bot",
        cancelled_by=None,
        cancel_reason="",
        attendance_confirmed_at=None,
        created_at=NOW,
    )


@dataclass
class FakeSession:
    members: dict[int, Staff] = field(
        default_factory=lambda: {s.id: s for s in (OWNER, ADMIN, MASTER)}
    )
    bookings: dict[int, Booking] = field(default_factory=dict)
    hours: list[WeeklyInterval] = field(default_factory=list)
    breaks: list[WeeklyInterval] = field(default_factory=list)
    days_off: set[tuple[int, date]] = field(default_factory=set)
    stored: dict[str, object] = field(default_factory=dict)
    actors: list[str] = field(default_factory=list)

    outbox: FakeEvents | None = None
    audit: list[AuditEntry] = field(default_factory=list)

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
        assert self.outbox is not None
        self.outbox.sent.append((subject, event, msg_id))

    async def write_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    async def business(self) -> BusinessSettings:
        return BUSINESS

    async def admin_chat_ids(self) -> tuple[int, ...]:
        return (100, 200)

    async def custom_texts(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
        del kinds  # the owner has reworded nothing
        return {}

    async def booking_line(self, booking_id: int) -> BookingLine | None:
        found = self.bookings.get(booking_id)
        return None if found is None else BookingLine(booking=found, customer=CUSTOMER)

    async def prepayment(self, booking_id: int) -> None:  # noqa: ARG002
        return None  # no prepayment in these businesses

    async def awaited(self, booking_ids: list[int]) -> dict[int, object]:  # noqa: ARG002
        return {}

    async def prepay_terms(self, service_id: int) -> None:  # noqa: ARG002
        return None

    async def cancel_booking(self, booking_id: int, *, reason: str, actor: str) -> Booking:
        self.actors.append(actor)
        current = self.bookings[booking_id]
        if current.status != "confirmed":
            raise BookingNotActive(booking_id, current.status)
        done = replace(current, status="cancelled", cancelled_by="staff", cancel_reason=reason)
        self.bookings[booking_id] = done
        return done

    async def set_outcome(self, booking_id: int, outcome: str, *, actor: str) -> bool:
        self.actors.append(actor)
        self.bookings[booking_id] = replace(self.bookings[booking_id], status=outcome)
        return True

    async def master(self, master_id: int):
        return MasterRow(master_id, f"m{master_id}", True) if master_id in (7, 8) else None

    async def week(self, master_id: int):
        return (
            [h for h in self.hours if master_id == 7],
            [b for b in self.breaks if master_id == 7],
        )

    async def set_week_day(self, master_id, weekday, *, hours=None, breaks=None) -> None:
        assert master_id == 7
        if hours is not None:
            self.hours = [h for h in self.hours if h.weekday != weekday]
            self.hours += [WeeklyInterval(weekday, lo, hi) for lo, hi in hours]
        if breaks is not None:
            self.breaks = [b for b in self.breaks if b.weekday != weekday]
            self.breaks += [WeeklyInterval(weekday, lo, hi) for lo, hi in breaks]

    async def date_rows(self, master_id: int, day: date) -> DateRows:
        return DateRows((master_id, day) in self.days_off, False, (), ())

    async def set_day_off(self, master_id: int, day: date, *, off: bool) -> None:
        (self.days_off.add if off else self.days_off.discard)((master_id, day))

    async def staff_by_id(self, staff_id: int) -> Staff | None:
        return self.members.get(staff_id)

    async def staff_list(self) -> list[Staff]:
        return list(self.members.values())

    async def add_staff(self, *, telegram_id: int, name: str, role: str) -> Staff | None:
        if any(s.telegram_id == telegram_id for s in self.members.values()):
            return None
        member = Staff(max(self.members) + 1, telegram_id, name, role, None)  # type: ignore[arg-type]
        self.members[member.id] = member
        return member

    async def remove_staff(self, staff_id: int) -> None:
        del self.members[staff_id]

    async def update_setting(self, column: str, value: object) -> None:
        self.stored[column] = value

    async def settings(self) -> dict[str, object]:
        return dict(self.stored)


class FakeStore:
    def __init__(self, session: FakeSession) -> None:
        self.session = session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeSession]:
        yield self.session


class FakeClock:
    def now(self) -> datetime:
        return NOW


@dataclass
class FakeEvents:
    sent: list[tuple[str, msgspec.Struct, str]] = field(default_factory=list)


@pytest.fixture
def session() -> FakeSession:
    found = FakeSession()
    found.hours = [WeeklyInterval(1, time(10), time(20))]
    found.breaks = [WeeklyInterval(1, time(14), time(15))]
    found.bookings = {
        11: booking(11, 7, NOW + timedelta(days=1)),
        12: booking(12, 8, NOW + timedelta(days=1)),
        13: booking(13, 7, NOW - timedelta(minutes=30)),
    }
    return found


@pytest.fixture
def events() -> FakeEvents:
    return FakeEvents()


@pytest.fixture
def scope(session: FakeSession, events: FakeEvents) -> AdminScope:
    session.outbox = events
    return AdminScope(tenant_id="salon", store=FakeStore(session), clock=FakeClock())


async def test_staff_cancel_publishes_the_event_after_the_change(
    scope: AdminScope, session: FakeSession, events: FakeEvents
) -> None:
    card = await bookings.cancel(scope, ADMIN, 11, reason="Мастер заболел")
    assert card.line.booking.status == "cancelled"
    ((subject, event, msg_id),) = events.sent
    assert subject == "booking.cancelled.salon"
    assert msg_id == "booking:salon:11:cancelled"
    assert isinstance(event, BookingCancelled)
    assert (event.cancelled_by, event.reason, event.customer_chat_id) == (
        "staff",
        "Мастер заболел",
        555,
    )
    assert event.admin_chat_ids == (100, 200)
    assert session.actors == ["staff:200"]

    await bookings.cancel(scope, ADMIN, 11)  # a double tap: recorded with the change only
    assert [m for _, _, m in events.sent] == ["booking:salon:11:cancelled"]
    session.bookings[11] = replace(session.bookings[11], cancelled_by="customer")
    with pytest.raises(BadInput) as caught:
        await bookings.cancel(scope, ADMIN, 11)
    assert caught.value.reason == "status_cancelled"


async def test_a_master_only_reaches_their_own_bookings(
    scope: AdminScope, events: FakeEvents
) -> None:
    assert (await bookings.card(scope, MASTER, 11)).line.booking.id == 11
    for made_up in (12, 99, 0, -1, 2**63):
        with pytest.raises(Unknown):
            await bookings.cancel(scope, MASTER, made_up)
    assert events.sent == []


async def test_outcomes_only_once_the_visit_began(scope: AdminScope, session: FakeSession) -> None:
    with pytest.raises(BadInput) as caught:
        await bookings.mark(scope, OWNER, 11, "completed")
    assert caught.value.reason == "not_started"
    assert not (await bookings.card(scope, OWNER, 11)).started
    done = await bookings.mark(scope, MASTER, 13, "no_show")
    assert session.actors == ["staff:300"]
    assert done.line.booking.status == "no_show"


async def test_weekly_hours_and_breaks(scope: AdminScope, session: FakeSession) -> None:
    with pytest.raises(BadInput) as caught:
        await schedule.set_breaks(scope, OWNER, 7, 1, "19:00-21:00")
    assert caught.value.reason == "break_outside"
    with pytest.raises(BadInput) as caught:
        await schedule.set_breaks(scope, OWNER, 7, 2, "13:00-14:00")
    assert caught.value.reason == "break_no_hours"

    view = await schedule.set_hours(scope, MASTER, 7, 1, "10:00-14:00")
    assert view.days[1].hours == ((time(10), time(14)),)
    assert view.days[1].breaks == ()  # 14-15 no longer inside the hours: dropped
    view = await schedule.day_off(scope, MASTER, 7, 1)
    assert view.days[1].hours == ()

    with pytest.raises(NotAllowed):
        await schedule.set_hours(scope, MASTER, 8, 1, "10:00-20:00")
    with pytest.raises(Unknown):
        await schedule.set_hours(scope, OWNER, 7, 7, "10:00-20:00")


async def test_days_off_in_the_past_are_refused(scope: AdminScope, session: FakeSession) -> None:
    view = await dates.set_day_off(scope, MASTER, 7, date(2031, 6, 2), off=True)
    assert view.rows.day_off
    with pytest.raises(BadInput) as caught:
        await dates.set_day_off(scope, OWNER, 7, date(2031, 6, 1), off=True)
    assert caught.value.reason == "past_date"
    with pytest.raises(NotAllowed):
        await dates.set_day_off(scope, MASTER, 8, date(2031, 6, 3), off=True)
    assert session.days_off == {(7, date(2031, 6, 2))}


async def test_only_the_owner_manages_staff_and_never_removes_themselves(
    scope: AdminScope, session: FakeSession
) -> None:
    added = await staff.add(scope, OWNER, role="admin", text="123456789")
    assert (added.role, added.telegram_id) == ("admin", 123_456_789)
    for blocked in ("123456789", "100"):
        with pytest.raises(BadInput) as caught:
            await staff.add(scope, OWNER, role="master", text=blocked)
        assert caught.value.reason == "already_staff"
    with pytest.raises(NotAllowed):
        await staff.add(scope, ADMIN, role="admin", text="987654321")
    with pytest.raises(BadInput) as caught:
        await staff.remove(scope, OWNER, OWNER.id)
    assert caught.value.reason == "remove_self"
    with pytest.raises(NotAllowed):
        await staff.remove(scope, ADMIN, added.id)
    await staff.remove(scope, OWNER, added.id)
    assert added.id not in session.members


async def test_settings_only_for_owner_and_admins(scope: AdminScope, session: FakeSession) -> None:
    await business_settings.change(scope, ADMIN, "remind", "24ч, 2ч")
    assert session.stored == {"reminder_offsets_min": (1440, 120)}
    with pytest.raises(NotAllowed):
        await business_settings.change(scope, MASTER, "name", "Моё")
    with pytest.raises(BadInput):
        await business_settings.change(scope, OWNER, "step", "7")
    assert session.stored == {"reminder_offsets_min": (1440, 120)}
