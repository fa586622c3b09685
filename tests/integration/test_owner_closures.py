"""Closures that handle their bookings, end to end through the Telegram emulator, real
Postgres, Redis and NATS: a master's 5-day vacation over 7 bookings cancelled with notices
that offer new times (one is taken in one tap), «keep» leaving a booking as it was, a
business-wide holiday gone from the customer's calendar, and tampered buttons.

The clock is Monday 2 June 2031, 09:00 Moscow (the conversation harness); the catalog is made
here explicitly: «Ирина» works Mon-Sat 10:00-20:00, «Стрижка» is 60 minutes.
"""

from __future__ import annotations

import msgspec
import pytest
from owner_catalog import make_catalog
from test_booking_admin import MASTER_USER, admin_home, as_user
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    existing_booking,
    moscow,
    only,
    shared_infra,
    talk,
)

from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.use_cases import BookingNotes
from services.notifier.use_cases.texts import LOCALES, Texts
from shared.messages import BookingCancelled

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

CUSTOMERS = tuple(800_000_100 + n for n in range(7))
# Tue 3 .. Sat 7 June: seven bookings, two on Tuesday and on Wednesday
TIMES = ((3, 11), (3, 15), (4, 12), (4, 16), (5, 10), (6, 13), (7, 18))


async def closures_screen(talk: Talk):
    home = await admin_home(talk)
    return only(await talk.tap(home, "Закрытия и отпуска"))


async def vacation(talk: Talk, days: str):
    with as_user(talk, OWNER):
        screen = await closures_screen(talk)
        ask = only(await talk.tap(screen, "Отпуск мастера"))
        ask = only(await talk.tap(ask, "Ирина"))
        assert "дни отпуска" in (ask.text or "")
        return only(await talk.send(days))


async def last_from_bot(talk: Talk, user: int):
    view = await talk.shared.client.chat(talk.sandbox_bot, user)
    return [m for m in view.messages if m.from_bot][-1]


async def test_a_vacation_over_seven_bookings_cancels_them_with_offers(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id)
    bookings = []
    for user, (day, hour) in zip(CUSTOMERS, TIMES, strict=True):
        await talk.send("/start", user=user)  # the customer has a chat with the bot
        bookings.append(await existing_booking(talk, moscow(day, hour), telegram_id=user))

    english = CUSTOMERS[-1]
    await talk.sql("UPDATE customers SET language_code = 'en' WHERE telegram_id = $1", english)
    screen = await vacation(talk, "3.06-7.06")
    text = screen.text or ""
    assert "Ирина: отпуск Вт, 3 июня – Сб, 7 июня" in text
    assert "Попадают записи (7)" in text
    assert "❌ Отменить все" in screen.button_texts
    with as_user(talk, OWNER):
        done = only(await talk.tap(screen, "Отменить все"))
    assert "Отменено записей: 7, уведомлений отправлено: 7." in (done.text or "")

    rows = await talk.sql(
        "SELECT status, cancelled_by FROM bookings WHERE id = ANY($1::bigint[])", bookings
    )
    assert {tuple(r) for r in rows} == {("cancelled", "staff")}
    notice = await last_from_bot(talk, english)
    assert "Sorry, Салон Анна cannot see you" in (notice.text or "")
    assert notice.button_texts[0] == "Mo, 2 June, 10:00"
    for user in CUSTOMERS[:-1]:
        notice = await last_from_bot(talk, user)
        assert "отменена" in (notice.text or "")
        assert "Ближайшее свободное время" in (notice.text or "")
        # the first free time of each of the nearest free days: today, then after the vacation
        assert notice.button_texts == [
            "Пн, 2 июня, 10:00",
            "Пн, 9 июня, 10:00",
            "Вт, 10 июня, 10:00",
            "📅 Выбрать другое время",
        ]

    first = await last_from_bot(talk, CUSTOMERS[0])
    with as_user(talk, CUSTOMERS[0]):
        booked = only(await talk.tap(first, "Пн, 9 июня, 10:00"))
    assert (booked.text or "").startswith("Готово, вы записаны!")
    (row,) = await talk.sql(
        "SELECT b.starts_at, m.name FROM bookings b JOIN masters m ON m.id = b.master_id"
        " JOIN customers c ON c.id = b.customer_id"
        " WHERE c.telegram_id = $1 AND b.status = 'confirmed'",
        CUSTOMERS[0],
    )
    assert (row["starts_at"], row["name"]) == (moscow(9, 10), "Ирина")

    # a second customer taps the same time: the constraint refuses it politely
    second = await last_from_bot(talk, CUSTOMERS[1])
    with as_user(talk, CUSTOMERS[1]):
        await talk.tap(second, "Пн, 9 июня, 10:00")
    rows = await talk.sql(
        "SELECT count(*) AS n FROM bookings WHERE status = 'confirmed' AND starts_at = $1",
        moscow(9, 10),
    )
    assert rows[0]["n"] == 1

    # the vacation days are gone from the customer's calendar
    with as_user(talk, CUSTOMERS[2]):
        menu = only(await talk.send("/book"))
        masters = only(await talk.tap(menu, "Стрижка"))
        calendar = only(await talk.tap(masters, "Ирина"))
    assert "·4·" in calendar.button_texts
    assert "9" in calendar.button_texts


async def test_keep_leaves_a_booking_as_it_was(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id)
    await talk.send("/start", user=CUSTOMERS[0])
    kept = await existing_booking(talk, moscow(4, 12), telegram_id=CUSTOMERS[0])
    screen = await vacation(talk, "4.06")
    with as_user(talk, OWNER):
        screen = only(await talk.tap(screen, "Оставить 04.06 12:00"))
    assert "— оставлена" in (screen.text or "")
    assert not any("Отменить" in b for b in screen.button_texts)
    (row,) = await talk.sql("SELECT status FROM bookings WHERE id = $1", kept)
    assert row["status"] == "confirmed"
    notice = await last_from_bot(talk, CUSTOMERS[0])
    assert "отменена" not in (notice.text or "")


async def test_a_business_wide_holiday_leaves_the_customers_calendar(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина", "Олег"))
    with as_user(talk, OWNER):
        screen = await closures_screen(talk)
        ask = only(await talk.tap(screen, "Праздник"))
        assert only(await talk.send("31.02")).text == (
            "Не понял дни. Пишите так: 9.06 или 9.06-13.06."
        )
        assert only(await talk.send("1.06.2031")).text == "Этот день уже прошёл."
        done = only(await talk.send("12.06"))
        assert "Закрыто для всех: Чт, 12 июня" in (done.text or "")
        assert "Записей на эти дни нет." in (done.text or "")
        del ask

    menu = only(await talk.send("/book"))
    masters = only(await talk.tap(menu, "Стрижка"))
    calendar = only(await talk.tap(masters, "Любой мастер"))
    assert "·12·" in calendar.button_texts
    assert "11" in calendar.button_texts


async def test_tampered_closure_buttons_get_a_polite_reply(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id)
    with as_user(talk, OWNER):
        screen = await closures_screen(talk)
        await talk.press(screen, "acd:x:999:1", force=True)
        assert await talk.last_answer() == "Такого закрытия нет."
        await talk.press(screen, "acv:v:0", force=True)
        assert await talk.last_answer() == "Эта кнопка устарела. Вот актуальное меню."
    welcome = only(await talk.send("/start"))
    await talk.press(welcome, "bo:1:1:notatime", force=True)
    assert await talk.last_answer() == "Эта кнопка устарела. Вот актуальное меню."
    await talk.press(welcome, "acd:x:1:0", force=True)  # a customer on an admin button
    assert (await talk.last_answer() or "").startswith("Этот раздел только для сотрудников.")
    rows = await talk.sql("SELECT count(*) AS n FROM closures")
    assert rows[0]["n"] == 0


async def test_a_day_off_or_new_hours_over_bookings_ask_the_owner(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id)
    await talk.send("/start", user=CUSTOMERS[0])
    on_wednesday = await existing_booking(talk, moscow(4, 12), telegram_id=CUSTOMERS[0])
    late_tuesday = await existing_booking(talk, moscow(10, 18), telegram_id=CUSTOMERS[0])
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        masters = only(await talk.tap(home, "Расписание"))
        week = only(await talk.tap(masters, "Ирина"))
        month = only(await talk.tap(week, "Отдельные даты"))
        day = only(await talk.tap(month, "4"))
        asked = only(await talk.tap(day, "Сделать выходным"))
        assert "больше не помещаются в расписание" in (asked.text or "")
        assert "Ср, 4 июня, 12:00 — Стрижка, Ольга" in (asked.text or "")
        kept = only(await talk.tap(asked, "Оставить 04.06 12:00"))
        assert "— оставлена" in (kept.text or "")

        week = only(await talk.tap(await admin_home(talk), "Расписание"))
        week = only(await talk.tap(week, "Ирина"))
        tuesday = only(await talk.tap(week, "Вт"))
        only(await talk.tap(tuesday, "Часы работы"))
        asked = only(await talk.send("10:00-17:00"))
        assert "Вт, 10 июня, 18:00 — Стрижка, Ольга" in (asked.text or "")
        assert "Ср, 4 июня" not in (asked.text or "")  # a weekday change spares Wednesday
        again = asked.button("Отменить 10.06 18:00").callback_data or ""
        done = only(await talk.tap(asked, "Отменить 10.06 18:00"))
        assert "Отменено записей: 1, уведомлений отправлено: 1." in (done.text or "")
        await talk.press(done, again, force=True)  # a double tap
        assert await talk.last_answer() == "Эта запись уже не в списке."

    rows = await talk.sql("SELECT id, status FROM bookings ORDER BY id")
    assert {r["id"]: r["status"] for r in rows} == {
        on_wednesday: "confirmed",
        late_tuesday: "cancelled",
    }
    notice = await last_from_bot(talk, CUSTOMERS[0])
    assert "Вт, 10 июня, 18:00 отменена" in (notice.text or "")
    view = await talk.shared.client.chat(talk.sandbox_bot, CUSTOMERS[0])
    assert sum("отменена" in (m.text or "") for m in view.messages if m.from_bot) == 1


async def test_a_master_closes_only_their_own_days(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина", "Олег"))
    ids = {r["name"]: r["id"] for r in await talk.sql("SELECT id, name FROM masters")}
    await talk.sql(
        "INSERT INTO staff_members (telegram_id, name, role, master_id)"
        " VALUES ($1, 'Ирина', 'master', $2)",
        MASTER_USER,
        ids["Ирина"],
    )
    with as_user(talk, MASTER_USER):
        screen = await closures_screen(talk)
        assert "🎉 Праздник / закрыто для всех" not in screen.button_texts
        for crafted in ("acl:hol", f"acm:{ids['Олег']}"):
            await talk.press(screen, crafted, force=True)
            assert await talk.last_answer() == "Это недоступно для вашей роли.", crafted
        ask = only(await talk.tap(screen, "Отпуск мастера"))  # straight to their own days
        done = only(await talk.send("16.06-20.06"))
        assert "Ирина: отпуск Пн, 16 июня – Пт, 20 июня" in (done.text or "")
        del ask
        # the vacation shows on its dates and is lifted only as a whole
        (block,) = await talk.sql("SELECT id FROM blocked_ranges")
        await talk.press(done, "awy:v:{}:20310617".format(ids["Ирина"]), force=True)
        day = await last_from_bot(talk, MASTER_USER)
        assert "🏖 Отпуск — снимается в разделе «Закрытия и отпуска»." in (day.text or "")
        assert not any("Снять блок" in b for b in day.button_texts)
        await talk.press(day, f"awu:{block['id']}", force=True)
        assert await talk.last_answer() == "Этого блока уже нет."
    rows = await talk.sql("SELECT master_id, kind FROM closures")
    assert [tuple(r) for r in rows] == [(ids["Ирина"], "vacation")]


async def test_a_cancel_by_closure_tells_the_customer_once(talk: Talk, pg_pool) -> None:
    """The closure's notice (with new times) is the customer's only message: the cancel event
    says so, and notifier, given it, queues the staff alert but nothing for the customer."""
    await make_catalog(talk.deps.pool, talk.tenant_id)
    customer = CUSTOMERS[0]
    await talk.send("/start", user=customer)
    before = await talk.shared.client.chat(talk.sandbox_bot, customer)
    booking = await existing_booking(talk, moscow(4, 12), telegram_id=customer)
    screen = await vacation(talk, "4.06")
    with as_user(talk, OWNER):
        only(await talk.tap(screen, "Отменить 04.06 12:00"))
    after = await talk.shared.client.chat(talk.sandbox_bot, customer)
    new = [m for m in after.messages if m.from_bot and m.version > before.version]
    assert len(new) == 1
    assert "Ближайшее свободное время" in (new[0].text or "")

    event = msgspec.json.decode((await talk.event("cancelled")).data, type=BookingCancelled)
    assert (event.booking_id, event.customer_told) == (booking, True)
    notes = BookingNotes(store=PgDeliveries(pg_pool), texts=Texts.load(LOCALES), clock=talk.clock)
    await notes.on_cancelled(event)
    rows = await pg_pool.fetch(
        "SELECT kind, chat_id FROM notifier.deliveries WHERE tenant_id = $1 AND ref = $2",
        talk.tenant_id,
        str(booking),
    )
    assert customer not in {r["chat_id"] for r in rows}
    assert {r["chat_id"] for r in rows} == {OWNER}
