"""Events into deliveries: which messages, to whom, when, in which words (hand-written fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from services.notifier.ports import SCHEDULE_KINDS, NewDelivery, TenantProfile, Via
from services.notifier.use_cases import BookingNotes, TenantNotes, Texts
from services.notifier.use_cases.texts import LOCALES
from shared.callbacks import ReminderAction, RenewTenant, ReviewStars
from shared.messages import (
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    PaymentCanceled,
    TenantExpiring,
    TenantProvisioned,
    TenantRefunded,
    TenantRenewed,
)

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


@dataclass
class Row:
    delivery: NewDelivery
    status: str = "pending"


@dataclass
class FakeStore:
    """The `DeliveryStore` contract over a dict keyed by dedup key."""

    rows: dict[str, Row] = field(default_factory=dict)
    unblocked: list[tuple[str, Via, int]] = field(default_factory=list)

    async def add(self, rows: Sequence[NewDelivery]) -> int:
        added = 0
        for row in rows:
            if row.dedup_key not in self.rows:
                self.rows[row.dedup_key] = Row(row)
                added += 1
        return added

    async def add_schedule(
        self, tenant_id: str, ref: str, rows: Sequence[NewDelivery], *, replace: bool
    ) -> int:
        mine = list(self._schedule(tenant_id, ref))
        if replace:
            keep = {r.dedup_key for r in rows}
            for row in mine:
                if row.status == "pending" and row.delivery.dedup_key not in keep:
                    row.status = "cancelled"
        elif mine:
            return 0
        return await self.add(rows)

    async def cancel_schedule(self, tenant_id: str, ref: str) -> int:
        pending = [r for r in self._schedule(tenant_id, ref) if r.status == "pending"]
        for row in pending:
            row.status = "cancelled"
        return len(pending)

    async def unblock(self, tenant_id: str, via: Via, chat_id: int) -> None:
        self.unblocked.append((tenant_id, via, chat_id))

    def _schedule(self, tenant_id: str, ref: str) -> list[Row]:
        return [
            r
            for r in self.rows.values()
            if r.delivery.tenant_id == tenant_id
            and r.delivery.ref == ref
            and r.delivery.kind in SCHEDULE_KINDS
        ]

    def of(self, kind: str, status: str | None = "pending") -> list[NewDelivery]:
        return sorted(
            (
                r.delivery
                for r in self.rows.values()
                if r.delivery.kind == kind and (status is None or r.status == status)
            ),
            key=lambda d: (d.due_at, d.chat_id),
        )


class FakeProfiles:
    def __init__(self, profiles: dict[str, TenantProfile] | None = None) -> None:
        self._profiles = profiles or {}

    async def get(self, tenant_id: str) -> TenantProfile | None:
        return self._profiles.get(tenant_id)


@pytest.fixture
def texts() -> Texts:
    return Texts.load(LOCALES)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def wakes() -> list[int]:
    return []


@pytest.fixture
def bookings(store: FakeStore, texts: Texts, wakes: list[int]) -> BookingNotes:
    return BookingNotes(
        store=store,
        texts=texts,
        clock=FixedClock(NOW),
        review_delay=timedelta(hours=2),
        wake=lambda: wakes.append(1),
    )


def created(**overrides: object) -> BookingCreated:
    starts = NOW + timedelta(days=3)
    event = BookingCreated(
        tenant_id="salon_anna",
        booking_id=42,
        customer_chat_id=5001,
        customer_name="Мария <b>",
        customer_phone="+79990001122",
        service_name="Стрижка",
        master_name="Анна",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        timezone="Europe/Moscow",
        reminder_offsets_min=(1440, 120),
        admin_chat_ids=(9001, 9002),
    )
    return msgspec.structs.replace(event, **overrides)


def buttons(row: NewDelivery) -> list[tuple[str, str]]:
    assert row.reply_markup is not None
    return [
        (b["text"], b.get("callback_data") or b.get("url"))
        for line in row.reply_markup["inline_keyboard"]
        for b in line
    ]


async def test_created_alerts_admins_and_schedules_reminders_and_review(
    bookings: BookingNotes, store: FakeStore, wakes: list[int]
) -> None:
    event = created()
    await bookings.on_created(event)

    alerts = store.of("admin_created")
    assert [a.chat_id for a in alerts] == [9001, 9002]
    assert all(a.due_at == NOW and a.via == "tenant" for a in alerts)
    assert "Новая запись" in alerts[0].text
    assert "Мария &lt;b&gt;" in alerts[0].text  # customer input is escaped for HTML
    assert "+79990001122" in alerts[0].text
    assert "Стрижка" in alerts[0].text

    reminders = store.of("reminder")
    assert [r.due_at for r in reminders] == [
        event.starts_at - timedelta(minutes=1440),
        event.starts_at - timedelta(minutes=120),
    ]
    assert all(r.chat_id == 5001 and r.ref == "42" for r in reminders)
    assert buttons(reminders[0]) == [
        ("Подтвердить", ReminderAction(action="ok", booking_id=42).pack()),
        ("Перенести", ReminderAction(action="move", booking_id=42).pack()),
        ("Отменить", ReminderAction(action="cancel", booking_id=42).pack()),
    ]
    assert "через 1 дн." in reminders[0].text
    assert "через 2 ч" in reminders[1].text

    (review,) = store.of("review")
    assert review.due_at == event.ends_at + timedelta(hours=2)
    assert buttons(review) == [
        (f"{n} ⭐", ReviewStars(booking_id=42, stars=n).pack()) for n in range(1, 6)
    ]
    assert store.unblocked == [("salon_anna", "tenant", 5001)]
    assert wakes


async def test_offsets_already_past_are_skipped(bookings: BookingNotes, store: FakeStore) -> None:
    starts = NOW + timedelta(hours=3)
    await bookings.on_created(
        created(
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            reminder_offsets_min=(1440, 120, 15),
        )
    )
    assert [r.due_at for r in store.of("reminder")] == [
        starts - timedelta(minutes=120),
        starts - timedelta(minutes=15),
    ]


async def test_redelivered_created_adds_nothing(bookings: BookingNotes, store: FakeStore) -> None:
    assert await bookings.on_created(created()) == 5
    assert await bookings.on_created(created()) == 0
    assert len(store.rows) == 5


async def test_reschedule_replaces_reminders(bookings: BookingNotes, store: FakeStore) -> None:
    first = created()
    await bookings.on_created(first)
    new_start = first.starts_at + timedelta(days=1, hours=2)
    moved = BookingRescheduled(
        tenant_id=first.tenant_id,
        booking_id=first.booking_id,
        customer_chat_id=first.customer_chat_id,
        customer_name=first.customer_name,
        service_name=first.service_name,
        master_name=first.master_name,
        old_starts_at=first.starts_at,
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=1),
        timezone=first.timezone,
        admin_chat_ids=(9001,),
    )
    await bookings.on_rescheduled(moved)

    assert [r.due_at for r in store.of("reminder")] == [
        new_start - timedelta(minutes=1440),
        new_start - timedelta(minutes=120),
    ]
    assert len(store.of("reminder", "cancelled")) == 2
    assert [r.due_at for r in store.of("review")] == [new_start + timedelta(hours=3)]
    (alert,) = store.of("admin_rescheduled")
    assert "Запись перенесена" in alert.text
    assert alert.chat_id == 9001

    # A late redelivery of the original `booking.created` must not bring the old times back.
    assert await bookings.on_created(first) == 0
    assert len(store.of("reminder")) == 2


async def test_cancel_drops_schedule_and_tells_the_customer_when_staff_cancelled(
    bookings: BookingNotes, store: FakeStore
) -> None:
    first = created()
    await bookings.on_created(first)
    cancel = BookingCancelled(
        tenant_id=first.tenant_id,
        booking_id=first.booking_id,
        customer_chat_id=first.customer_chat_id,
        customer_name=first.customer_name,
        service_name=first.service_name,
        master_name=first.master_name,
        starts_at=first.starts_at,
        timezone=first.timezone,
        cancelled_by="staff",
        reason="мастер заболел",
        admin_chat_ids=(9001,),
    )
    await bookings.on_cancelled(cancel)

    assert store.of("reminder") == []
    assert store.of("review") == []
    assert len(store.of("reminder", "cancelled")) == 2
    (alert,) = store.of("admin_cancelled")
    assert "Запись отменена" in alert.text
    assert "администратором" in alert.text
    assert "Причина: мастер заболел" in alert.text
    (note,) = store.of("customer_cancelled")
    assert note.chat_id == 5001
    assert "отменена" in note.text


async def test_customer_cancelling_gets_no_note(bookings: BookingNotes, store: FakeStore) -> None:
    first = created()
    await bookings.on_cancelled(
        BookingCancelled(
            tenant_id=first.tenant_id,
            booking_id=first.booking_id,
            customer_chat_id=first.customer_chat_id,
            customer_name=first.customer_name,
            service_name=first.service_name,
            master_name=first.master_name,
            starts_at=first.starts_at,
            timezone=first.timezone,
            cancelled_by="customer",
            admin_chat_ids=(9001,),
        )
    )
    assert store.of("customer_cancelled") == []
    assert "клиентом" in store.of("admin_cancelled")[0].text


async def test_texts_show_local_time_in_the_events_zone_ru_and_en(
    bookings: BookingNotes, store: FakeStore
) -> None:
    starts = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)  # 14:30 in Yekaterinburg (UTC+5)
    common = {
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "timezone": "Asia/Yekaterinburg",
        "admin_chat_ids": (9001,),
    }
    await bookings.on_created(created(**common))
    await bookings.on_created(created(booking_id=43, locale="en", **common))

    ru, en = store.of("admin_created")
    assert "14 марта (пт) в 14:30" in ru.text
    assert "Fri, 14 March at 14:30" in en.text
    assert "New booking" in en.text
    reminder_en = next(r for r in store.of("reminder") if r.ref == "43")
    assert [text for text, _ in buttons(reminder_en)] == ["Confirm", "Reschedule", "Cancel"]
    assert "14:30" in reminder_en.text


# --- tenant notes via the sales bot


@pytest.fixture
def tenants(store: FakeStore, texts: Texts) -> TenantNotes:
    profiles = FakeProfiles({"salon_anna": TenantProfile("Asia/Vladivostok", "ru")})
    return TenantNotes(store=store, profiles=profiles, texts=texts, clock=FixedClock(NOW))


async def test_provisioned_goes_to_buyer_and_owner_once(
    tenants: TenantNotes, store: FakeStore
) -> None:
    event = TenantProvisioned(
        tenant_id="salon_anna",
        business_name="Салон Анна",
        bot_username="anna_salon_bot",
        owner_chat_id=700,
        buyer_chat_id=600,
        paid_until=datetime(2025, 4, 10, 20, 0, tzinfo=UTC),
        plan_code="month",
    )
    assert await tenants.on_provisioned(event) == 2
    assert await tenants.on_provisioned(event) == 0
    notes = store.of("provisioned")
    assert {n.chat_id for n in notes} == {600, 700}
    assert all(n.via == "sales" for n in notes)
    assert "Ваш бот @anna_salon_bot запущен!" in notes[0].text
    assert "https://t.me/anna_salon_bot" in notes[0].text
    assert "/admin" in notes[0].text
    assert "11 апреля 2025" in notes[0].text  # 20:00 UTC is the next morning in Vladivostok
    assert buttons(notes[0]) == [("Открыть бота", "https://t.me/anna_salon_bot")]


async def test_expiring_has_a_renew_button_and_renewed_a_date(
    tenants: TenantNotes, store: FakeStore
) -> None:
    paid_until = datetime(2025, 3, 13, 12, 0, tzinfo=UTC)
    await tenants.on_expiring(
        TenantExpiring(
            tenant_id="salon_anna",
            bot_username="anna_salon_bot",
            owner_chat_id=700,
            paid_until=paid_until,
            days_left=3,
        )
    )
    (warning,) = store.of("expiring")
    assert "Через 3 дн." in warning.text
    assert buttons(warning) == [("Продлить", RenewTenant(tenant_id="salon_anna").pack())]

    await tenants.on_renewed(
        TenantRenewed(
            tenant_id="salon_anna",
            bot_username="anna_salon_bot",
            owner_chat_id=700,
            paid_until=paid_until + timedelta(days=30),
        )
    )
    (receipt,) = store.of("renewed")
    assert "оплачен до 12 апреля 2025" in receipt.text


async def test_payment_canceled_explains_the_reason(tenants: TenantNotes, store: FakeStore) -> None:
    await tenants.on_payment_canceled(
        PaymentCanceled(payment_id="pay-1", buyer_chat_id=600, reason="insufficient_funds")
    )
    (note,) = store.of("payment_canceled")
    assert note.tenant_id == "platform"
    assert note.via == "sales"
    assert note.chat_id == 600
    assert "недостаточно средств" in note.text


async def test_a_refund_tells_the_owner_once_what_was_taken_back(
    tenants: TenantNotes, store: FakeStore, texts: Texts
) -> None:
    event = TenantRefunded(
        tenant_id="salon_anna",
        bot_username="anna_salon_bot",
        owner_chat_id=700,
        paid_until=datetime(2025, 3, 27, 9, 0, tzinfo=UTC),
        refund_id="rf-1",
        payment_id="pay-1",
        refunded_kopecks=14950,
        days_removed=15.0,
    )
    assert await tenants.on_refunded(event) == 1
    assert await tenants.on_refunded(event) == 0  # redelivered: the same key
    (note,) = store.of("refunded")
    assert note.chat_id == 700
    assert "возврат 149,50 ₽" in note.text
    assert "сокращён на 15 дн." in note.text
    assert "оплачен до 27 марта 2025" in note.text
    assert "is paid until" in texts("en").text(
        "refunded", amount="1", bot_username="b", days="1", paid_until="x"
    )
    # A refund that stopped the bot is told once, by the suspension notice.
    suspended = msgspec.structs.replace(event, refund_id="rf-2", suspended=True)
    assert await tenants.on_refunded(suspended) == 0
    assert texts("ru").choice("suspend_reasons", "refunded") == "оплата возвращена"
