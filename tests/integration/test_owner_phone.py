"""Staff book for a caller and move bookings, through `/admin` in the Telegram emulator with real
Postgres, Redis and NATS (booking's outbox relay running); the customer's notices are checked
with notifier's own use case and store fed the events booking published."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    book_through_buttons,
    moscow,
    only,
    shared_infra,
    talk,
)
from test_owner_phone_support import (
    CUSTOMER_PHONE,
    MASTER_USER,
    admin_home,
    as_user,
    booking,
    customer,
    make_catalog,
    notifier_rows,
)

from services.booking.adapters.desk_sql import PgDeskStore
from services.booking.adapters.tenant_store import PgTenantStore
from services.booking.use_cases import booking as customer_booking
from services.booking.use_cases.admin import phone_booking
from services.booking.use_cases.admin.desk_ports import DeskScope
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.errors import SlotUnavailable
from services.booking.use_cases.ports import Scope
from shared.messages import BookingCreated, BookingRescheduled

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

OWNER_STAFF = Staff(id=1, telegram_id=OWNER, name="Анна", role="owner", master_id=None)


def desk(talk: Talk) -> DeskScope:
    return DeskScope(
        tenant_id=talk.tenant_id,
        store=PgDeskStore(talk.deps.pool, talk.tenant_id),
        clock=talk.clock,
    )


async def test_staff_book_a_caller_with_a_chat_who_gets_the_confirmation_and_a_reminder(
    talk: Talk, pg_pool
) -> None:
    cat = await make_catalog(talk)
    await talk.send("/start")  # the customer has a chat with the bot
    await customer(talk, telegram_id=talk.user, name="Ольга", phone=CUSTOMER_PHONE)
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        assert "📞 Записать клиента" in home.button_texts
        asked = only(await talk.tap(home, "Записать клиента"))
        assert "телефон клиента" in (asked.text or "")
        found = only(await talk.send("8 912 000-00-00"))
        services = only(await talk.tap(found, "Ольга · +79120000000"))
        assert "Клиент: Ольга · +79120000000" in (services.text or "")
        masters = only(await talk.tap(services, "Стрижка"))
        assert masters.button_texts[:2] == ["Анна", "Ирина"]
        days = only(await talk.tap(masters, "Анна"))
        assert "Пн 2" in days.button_texts
        assert "·Вс 8·" in days.button_texts
        times = only(await talk.tap(days, "Вт 3"))
        assert times.button_texts[:2] == ["10:00", "10:15"]
        assert "14:00" not in times.button_texts  # Анна's break
        summary = only(await talk.tap(times, "12:00"))
        assert "Когда: Вт, 3 июня, 12:00" in (summary.text or "")
        card = only(await talk.tap(summary, "Записать"))
        assert (card.text or "").startswith("✅ Записано. Клиент получит подтверждение")
        assert "Чат с ботом: есть" in (card.text or "")

    (row,) = await talk.sql(
        "SELECT b.id, b.source, b.master_id, h.actor FROM bookings AS b"
        " JOIN booking_history AS h ON h.booking_id = b.id"
    )
    assert (row["source"], row["master_id"], row["actor"]) == ("admin", cat.anna, f"staff:{OWNER}")
    event = msgspec.json.decode((await talk.event("created")).data, type=BookingCreated)
    assert (event.made_by, event.customer_chat_id) == ("staff", talk.user)

    rows = await notifier_rows(pg_pool, talk.clock, event)
    kinds = [(r["kind"], r["chat_id"]) for r in rows if r["chat_id"] == talk.user]
    assert ("customer_booked", talk.user) in kinds
    assert ("reminder", talk.user) in kinds  # the usual reminders, for the customer's chat
    confirmation = next(r for r in rows if r["kind"] == "customer_booked")
    assert "Вас записали на 3 июня (вт) в 12:00" in confirmation["text"]


async def test_a_new_walk_in_customer_without_a_chat(talk: Talk) -> None:
    await make_catalog(talk)
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        today = only(await talk.tap(home, "Записи на сегодня"))
        only(await talk.tap(today, "Записать клиента на этот день"))
        ask_name = only(await talk.send("+7 (999) 111-22-33"))
        assert "Как его зовут?" in (ask_name.text or "")
        refused = only(await talk.send("Пётр 12"))
        assert refused.text == "Не похоже на телефон. Пишите так: +7 495 123-45-67."
        services = only(await talk.send("Пётр"))
        assert "Клиент: Пётр · +79991112233" in (services.text or "")
        masters = only(await talk.tap(services, "Стрижка"))
        times = only(await talk.tap(masters, "Анна"))  # the day is known: straight to times
        assert "Пн, 2 июня" in (times.text or "")
        assert times.button_texts[0] == "10:00"  # 09:00 now, an hour's notice
        summary = only(await talk.tap(times, "11:00"))
        card = only(await talk.tap(summary, "Записать"))
        assert "У клиента нет чата с ботом" in (card.text or "")
        # a double tap: answered as done (the card stays as it is), no second booking
        await talk.press(summary, summary.button("Записать").callback_data or "", force=True)
        assert not await talk.last_answer()  # no refusal

    rows = await talk.sql("SELECT telegram_id, name, phone FROM customers")
    assert [tuple(r) for r in rows] == [(None, "Пётр", "+79991112233")]
    assert len(await talk.sql("SELECT id FROM bookings WHERE status = 'confirmed'")) == 1
    event = msgspec.json.decode((await talk.event("created")).data, type=BookingCreated)
    assert (event.made_by, event.customer_chat_id) == ("staff", 0)


async def test_a_staff_booking_races_a_customer_and_the_constraint_decides(talk: Talk) -> None:
    cat = await make_catalog(talk)
    await customer(talk, telegram_id=talk.user, name="Ольга", phone=CUSTOMER_PHONE)
    walk_in = await customer(talk, telegram_id=None, name="Пётр", phone="+79991112233")
    await talk.sql("UPDATE business SET max_active_bookings = 20")
    scope = Scope(
        tenant_id=talk.tenant_id,
        store=PgTenantStore(talk.deps.pool, talk.tenant_id),
        clock=talk.clock,
    )
    outcomes = []
    for hour in (10, 11, 12, 13, 15, 16):
        at = moscow(4, hour)
        held = customer_booking.Held(
            service_id=cat.haircut, master_id=cat.anna, shown_master_id=cat.anna, starts_at=at
        )
        pick = phone_booking.Pick(walk_in, cat.haircut, cat.anna)
        results = await asyncio.gather(
            customer_booking.confirm_booking(
                scope, telegram_id=talk.user, service_id=cat.haircut, starts_at=at, held=held
            ),
            phone_booking.book(desk(talk), OWNER_STAFF, pick, at),
            return_exceptions=True,
        )
        customer_won = isinstance(results[0], customer_booking.Confirmed)
        staff_won = isinstance(results[1], phone_booking.Booked)
        assert customer_won != staff_won, results  # exactly one of them
        if customer_won:
            assert isinstance(results[1], phone_booking.Lost)
            assert at not in results[1].times.times  # fresh times, without the lost one
        else:
            assert isinstance(results[0], SlotUnavailable)
        outcomes.append(customer_won)
    rows = await talk.sql(
        "SELECT starts_at, count(*) AS n FROM bookings WHERE status = 'confirmed' GROUP BY 1"
    )
    assert sorted(r["n"] for r in rows) == [1] * 6

    # The loser's screen: the staff member is at the summary when the customer takes the time.
    with as_user(talk, OWNER):
        found = only(await talk.send("/admin"))
        only(await talk.tap(found, "Записать клиента"))
        results = only(await talk.send("Пётр"))
        services = only(await talk.tap(results, "Пётр"))
        masters = only(await talk.tap(services, "Стрижка"))
        days = only(await talk.tap(masters, "Анна"))
        times = only(await talk.tap(days, "Чт 5"))
        summary = only(await talk.tap(times, "17:00"))
    at = moscow(5, 17)
    held = customer_booking.Held(cat.haircut, cat.anna, cat.anna, at)
    await customer_booking.confirm_booking(
        scope, telegram_id=talk.user, service_id=cat.haircut, starts_at=at, held=held
    )
    with as_user(talk, OWNER):
        lost = only(await talk.tap(summary, "Записать"))
        assert (lost.text or "").startswith("Это время только что заняли. Выберите другое:")
        assert "17:00" not in lost.button_texts
        assert "18:00" in lost.button_texts
    assert outcomes  # both sides may win; the database decides each race


async def test_staff_move_a_booking_and_the_customer_is_told(talk: Talk, pg_pool) -> None:
    cat = await make_catalog(talk)
    await talk.send("/start")
    who = await customer(talk, telegram_id=talk.user, name="Ольга", phone=CUSTOMER_PHONE)
    made = await booking(talk, who, cat.haircut, cat.anna, moscow(3, 12))
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        today = only(await talk.tap(home, "Записи на сегодня"))
        tomorrow = only(await talk.tap(today, "›"))
        card = only(await talk.tap(tomorrow, "12:00–13:00 Стрижка"))
        days = only(await talk.tap(card, "Перенести"))
        assert "Сейчас: Вт, 3 июня, 12:00" in (days.text or "")
        times = only(await talk.tap(days, "Ср 4"))
        moved = only(await talk.tap(times, "15:00"))
        assert (moved.text or "").startswith("🔁 Запись перенесена (было: Вт, 3 июня, 12:00)")
        assert "Когда: Ср, 4 июня, 15:00" in (moved.text or "")
    (row,) = await talk.sql("SELECT starts_at FROM bookings WHERE id = $1", made)
    assert row["starts_at"] == moscow(4, 15)
    event = msgspec.json.decode((await talk.event("rescheduled")).data, type=BookingRescheduled)
    assert (event.moved_by, event.customer_chat_id) == ("staff", talk.user)
    rows = await notifier_rows(pg_pool, talk.clock, event)
    notice = [r for r in rows if r["kind"] == "customer_moved"]
    assert len(notice) == 1
    assert notice[0]["chat_id"] == talk.user
    assert "Было: 3 июня (вт) в 12:00\nСтало: 4 июня (ср) в 15:00" in notice[0]["text"]


async def test_a_master_cannot_move_another_masters_booking(talk: Talk) -> None:
    cat = await make_catalog(talk)
    who = await customer(talk, telegram_id=talk.user, name="Ольга", phone=CUSTOMER_PHONE)
    annas = await booking(talk, who, cat.haircut, cat.anna, moscow(3, 12))
    own = await booking(talk, who, cat.haircut, cat.irina, moscow(3, 12))
    minute = int(moscow(3, 16).timestamp()) // 60
    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        for crafted in (
            f"aj:d:{annas}:0",
            f"aj:t:{annas}:20310603",
            f"aj:go:{annas}:{minute}",
            f"ab:v:{annas}",
            f"ac:{annas}",
        ):
            await talk.press(home, crafted, force=True)
            assert await talk.last_answer() == "Такой записи нет.", crafted
        for crafted in (f"ap:go:{who}:{cat.haircut}:{cat.anna}:{minute}", f"ak:{cat.anna}:0"):
            await talk.press(home, crafted, force=True)
            assert await talk.last_answer() == "Это недоступно для вашей роли.", crafted
        moved = only(await talk.press(home, f"aj:go:{own}:{minute}", force=True))
        assert "Запись перенесена" in (moved.text or "")
    rows = await talk.sql("SELECT id, starts_at FROM bookings ORDER BY id")
    assert [(r["id"], r["starts_at"]) for r in rows] == [
        (annas, moscow(3, 12)),
        (own, moscow(3, 16)),
    ]


async def test_tampered_buttons_get_a_polite_reply(talk: Talk) -> None:
    cat = await make_catalog(talk)
    who = await customer(talk, telegram_id=None, name="Пётр", phone="+79991112233")
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        stale = "Эта кнопка устарела. Откройте /admin ещё раз."
        for crafted, expected in (
            (
                f"ap:go:999999:{cat.haircut}:{cat.anna}:{int(moscow(3, 12).timestamp()) // 60}",
                stale,
            ),
            (f"ap:ok:{who}:{cat.haircut}:{cat.anna}:5", stale),
            (f"ap:t:{who}:{cat.haircut}:{cat.anna}:20311399", stale),
            ("ak:0:20311340", stale),
            (f"ap:m:{who}:424242:0:0", "Такой услуги нет."),
            (f"ap:d:{who}:{cat.haircut}:424242:0", "Такого мастера нет."),
            ("aj:go:424242:33000000", "Такой записи нет."),
        ):
            await talk.press(home, crafted, force=True)
            assert await talk.last_answer() == expected, crafted
        past = only(
            await talk.press(
                home,
                f"ap:ok:{who}:{cat.haircut}:{cat.anna}:{int(moscow(2, 8).timestamp()) // 60}",
                force=True,
            )
        )
        assert (past.text or "").startswith("Это время уже недоступно.")
    assert await talk.sql("SELECT id FROM bookings") == []


async def test_a_master_books_a_walk_in_typed_in_one_line_into_their_own_schedule(
    talk: Talk,
) -> None:
    cat = await make_catalog(talk)
    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        asked = only(await talk.tap(home, "Записать клиента"))
        services = only(await talk.send("Мария 8 (903) 555-44-33"))
        assert "Клиент: Мария · +79035554433" in (services.text or "")
        masters = only(await talk.tap(services, "Стрижка"))
        assert masters.button_texts == ["Ирина", "‹ Назад"]  # only herself
        days = only(await talk.tap(masters, "Ирина"))
        assert "·Сб 7·" in days.button_texts  # she does not work on Saturdays
        times = only(await talk.tap(days, "Вт 3"))
        assert times.button_texts[:2] == ["12:00", "12:15"]
        summary = only(await talk.tap(times, "12:00"))
        card = only(await talk.tap(summary, "Записать"))
        assert "Мастер: Ирина" in (card.text or "")
        english = only(await talk.send("/admin", lang="en"))
        assert "📞 Book a client" in english.button_texts
    rows = await talk.sql("SELECT master_id, source FROM bookings")
    assert [tuple(r) for r in rows] == [(cat.irina, "admin")]
    assert asked.text


async def test_a_walk_in_is_linked_when_the_same_phone_is_shared_in_the_bot(talk: Talk) -> None:
    """Staff booked «Пётр» by phone (no chat). When he later gives the same phone in the bot,
    his chat's customer takes over the walk-in: the booking is in «Мои записи», staff's note
    stays, and the client base has one Пётр, not two."""
    cat = await make_catalog(talk)
    walk_in = await customer(talk, telegram_id=None, name="Пётр", phone="+79123456789")
    booked = await booking(talk, walk_in, cat.haircut, cat.anna, moscow(5, 12))
    await talk.sql("UPDATE customers SET note = 'Любит кофе' WHERE id = $1", walk_in)

    summary = await book_through_buttons(talk, day=3, time="10:00")
    assert "имя" in (summary.text or "").lower()
    only(await talk.send("Пётр"))
    await talk.send("8 (912) 345-67-89")

    rows = await talk.sql("SELECT id, telegram_id, note FROM customers WHERE name = 'Пётр'")
    assert [(r["telegram_id"], r["note"]) for r in rows] == [(talk.user, "Любит кофе")]
    (owner,) = await talk.sql("SELECT customer_id FROM bookings WHERE id = $1", booked)
    assert owner["customer_id"] == rows[0]["id"]
    mine = only(await talk.send("/my"))
    assert "Чт, 5 июня, 12:00" in (mine.text or "")
