"""The admin side end to end: staff drive `/admin` through the Telegram emulator, real
Postgres, Redis and NATS; customers then see the change in their own booking flow.

Reuses the customer conversation's harness (`talk`: a tenant whose owner is `OWNER`, a fixed
clock on Monday 2 June 2031, 09:00 Moscow; the seed's «Мастер» works Mon-Sat 10-20, break
14-15). `as_user` switches who is typing in the same bot.
"""

from __future__ import annotations

import msgspec
import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    existing_booking,
    moscow,
    only,
    shared_infra,
    talk,
)

from sandbox.telegram.models import ChatMessage
from shared.bus import MSG_ID_HEADER
from shared.db import tenant_tx
from shared.messages import BookingCancelled
from tests.support.owner import admin_home, as_user

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["admin_home", "as_user", "shared_infra", "talk"]  # fixtures and the owner helpers

MASTER_USER = 700_000_077
NEW_ADMIN = 123_456_789


async def owner_week(talk: Talk) -> ChatMessage:
    home = await admin_home(talk)
    masters = only(await talk.tap(home, "Расписание"))
    return only(await talk.tap(masters, "Мастер"))


async def customer_calendar(talk: Talk) -> ChatMessage:
    menu = only(await talk.send("/book"))
    masters = only(await talk.tap(menu, "Стрижка"))
    return only(await talk.tap(masters, "Любой мастер"))


async def test_a_customer_is_refused_politely(talk: Talk) -> None:
    reply = only(await talk.send("/admin"))
    assert (reply.text or "").startswith("Этот раздел только для сотрудников.")
    assert reply.button_texts == ["📅 Записаться", "🗂 Мои записи", "ℹ️ О нас"]

    for crafted in ("ad:0", "ah:set", "ao:name", "at:sure:1", "ab:x0:1"):
        await talk.press(reply, crafted, force=True)
        assert (await talk.last_answer() or "").startswith("Этот раздел только для сотрудников.")
    (business,) = await talk.sql("SELECT name FROM business")
    assert business["name"] == "Салон Анна"
    assert talk.events == []


async def test_the_owner_sees_every_section_in_russian_and_english(talk: Talk) -> None:
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        assert "Салон Анна" in (home.text or "")
        assert home.button_texts == [
            "📅 Записи на сегодня",
            "📞 Записать клиента",
            "📆 Неделя",
            "💇 Услуги",
            "👤 Мастера",
            "🗓 Расписание",
            "🏖 Закрытия и отпуска",
            "📊 Аналитика",
            "👥 Сотрудники",
            "⚙️ Настройки",
            "📇 Клиенты",
            "📜 Журнал действий",
            "📣 Рассылки",
            "🕓 Лист ожидания",
            "🌐 Язык и время",
            "⭐ Отзывы",
            "🧭 Настройка бота",
            "✏️ Тексты бота",
            "💳 Предоплата",
        ]
        english = only(await talk.send("/admin", lang="en"))
        assert "You are: owner" in (english.text or "")


async def test_the_owner_adds_a_service_customers_can_book(talk: Talk) -> None:
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        services = only(await talk.tap(home, "Услуги"))
        assert services.message_id == home.message_id  # edited in place
        ask = only(await talk.tap(services, "Добавить услугу"))
        assert "Напишите её название" in (ask.text or "")
        assert "Сколько длится" in (only(await talk.send("Брови")).text or "")
        assert only(await talk.send("полчаса")).text == (
            "Не понял время. Пишите так: 90, 1:30 или 1ч 30м."
        )
        assert "Сколько стоит" in (only(await talk.send("45")).text or "")
        card = only(await talk.send("900 ₽"))
        assert "Услуга добавлена" in (card.text or "")
        assert "Длительность: 45 мин\nЦена: 900 ₽" in (card.text or "")
        assert "✅ Мастер" in card.button_texts

    menu = only(await talk.send("/book"))
    assert "Брови · 900 ₽ · 45 мин" in menu.button_texts
    masters = only(await talk.tap(menu, "Брови"))
    assert masters.button_texts[0] == "Мастер"


async def test_a_day_off_disappears_from_the_customers_calendar(talk: Talk) -> None:
    assert "4" in (await customer_calendar(talk)).button_texts
    with as_user(talk, OWNER):
        week = await owner_week(talk)
        month = only(await talk.tap(week, "Отдельные даты"))
        assert "·" not in "".join(month.button_texts)
        assert "1" not in month.button_texts  # 1 June is in the past: not offered
        day = only(await talk.tap(month, "4"))
        assert "Ср, 4 июня" in (day.text or "")
        assert "как обычно" in (day.text or "")
        day = only(await talk.tap(day, "Сделать выходным"))
        assert "🚫 выходной" in (day.text or "")
        assert "↩️ Отменить выходной" in day.button_texts

    labels = (await customer_calendar(talk)).button_texts
    assert "·4·" in labels
    assert "5" in labels


async def test_changed_weekly_hours_and_a_one_off_block(talk: Talk) -> None:
    with as_user(talk, OWNER):
        week = await owner_week(talk)
        assert "Вт: 10:00–20:00, перерыв 14:00–15:00" in (week.text or "")
        tuesday = only(await talk.tap(week, "Вт"))
        ask = only(await talk.tap(tuesday, "Часы работы"))
        assert "например 10:00-20:00" in (ask.text or "")
        assert only(await talk.send("20:00-12:00")).text == (
            "Конец промежутка должен быть позже начала: например 10:00-20:00."
        )
        week = only(await talk.send("12:00 - 18:00"))
        assert "Вт: 12:00–18:00, перерыв 14:00–15:00" in (week.text or "")

        month = only(await talk.tap(week, "Отдельные даты"))
        day = only(await talk.tap(month, "3"))
        ask = only(await talk.tap(day, "Заблокировать время"))
        day = only(await talk.send("12:00-13:00"))
        assert "Заблокировано: 12:00–13:00" in (day.text or "")

    calendar = await customer_calendar(talk)
    times = only(await talk.tap(calendar, "3"))
    assert times.button_texts[0] == "13:00"  # 12:00 blocked, nothing before 12:00
    assert "17:00" in times.button_texts
    assert "17:15" not in times.button_texts  # a 60-minute haircut must end by 18:00


async def test_the_owner_cancels_a_customers_booking(talk: Talk) -> None:
    booking = await existing_booking(talk, moscow(3, 12))
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        today = only(await talk.tap(home, "Записи на сегодня"))
        assert "Записей нет." in (today.text or "")
        tomorrow = only(await talk.tap(today, "›"))
        assert "Вт, 3 июня" in (tomorrow.text or "")
        card = only(await talk.tap(tomorrow, "12:00–13:00 Стрижка"))
        text = card.text or ""
        assert "Клиент: Ольга\nТелефон: +79120000000" in text
        assert "Статус: 🟢 подтверждена" in text
        assert "🚫 Не пришёл" not in card.button_texts  # not started yet
        ask = only(await talk.tap(card, "Отменить запись"))
        assert "Напишите причину" in (ask.text or "")
        done = only(await talk.send("Мастер заболел"))
        assert (done.text or "").startswith("Запись отменена, клиент получит уведомление.")
        assert "Причина отмены: Мастер заболел" in (done.text or "")

    (row,) = await talk.sql(
        "SELECT status, cancelled_by, cancel_reason FROM bookings WHERE id = $1", booking
    )
    assert tuple(row) == ("cancelled", "staff", "Мастер заболел")
    msg = await talk.event("cancelled")
    assert msg.headers[MSG_ID_HEADER] == f"booking:{talk.tenant_id}:{booking}:cancelled"
    event = msgspec.json.decode(msg.data, type=BookingCancelled)
    assert (event.booking_id, event.cancelled_by, event.reason) == (
        booking,
        "staff",
        "Мастер заболел",
    )
    assert event.customer_chat_id == talk.user


async def test_a_master_is_kept_to_their_own_schedule(talk: Talk) -> None:
    await with_master(talk)
    own, other = await talk.sql("SELECT id FROM masters ORDER BY id")
    own_id, other_id = own["id"], other["id"]
    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        assert home.button_texts == [
            "📅 Записи на сегодня",
            "📞 Записать клиента",
            "📆 Неделя",
            "🗓 Расписание",
            "🏖 Закрытия и отпуска",
            "📊 Аналитика",
            "⭐ Отзывы",  # their own reviews; no settings, no language
        ]
        week = only(await talk.tap(home, "Расписание"))
        assert "<b>" not in (week.text or "")
        assert (week.text or "").startswith("Мастер — неделя:")

        refused = "Это недоступно для вашей роли."
        for crafted in (
            f"aw:{other_id}",
            f"awd:hours:{other_id}:1",
            f"awy:off:{other_id}:20310604",
            f"am:off:{own_id}",
            "ah:set",
            "ao:name",
            "ah:stf",
            f"at:sure:{own_id}",
        ):
            await talk.press(week, crafted, force=True)
            assert await talk.last_answer() == refused, crafted

        ask = only(await talk.tap(week, "Вт"))
        ask = only(await talk.tap(ask, "Перерыв"))
        week = only(await talk.send("13:00-14:00"))
        assert "Вт: 10:00–20:00, перерыв 13:00–14:00" in (week.text or "")

    rows = await talk.sql("SELECT count(*) AS n FROM days_off WHERE master_id = $1", other_id)
    assert rows[0]["n"] == 0
    (business,) = await talk.sql("SELECT name FROM business")
    assert business["name"] == "Салон Анна"


async def with_master(talk: Talk) -> None:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute("INSERT INTO masters (name, sort_order) VALUES ('Ирина', 20)")
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role, master_id)"
            " SELECT $1, 'Мастер', 'master', min(id) FROM masters",
            MASTER_USER,
        )


async def test_the_owner_adds_and_removes_an_admin(talk: Talk) -> None:
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        team = only(await talk.tap(home, "Сотрудники"))
        invite = only(await talk.tap(team, "Пригласить по ссылке"))
        ask = only(await talk.tap(invite, "➕ Администратор"))
        assert "Пришлите его Telegram id" in (ask.text or "")
        assert "Telegram id — это число" in (only(await talk.send("Вася")).text or "")
        team = only(await talk.send(str(NEW_ADMIN)))
        assert (team.text or "").startswith("Администратор добавлен.")
        assert f"id {NEW_ADMIN} (администратор)" in (team.text or "")

    with as_user(talk, NEW_ADMIN):
        home = await admin_home(talk)
        assert "Вы: администратор" in (home.text or "")
        assert "👥 Сотрудники" not in home.button_texts
        await talk.press(home, "ah:stf", force=True)
        assert await talk.last_answer() == "Это недоступно для вашей роли."

    with as_user(talk, OWNER):
        (owner,) = await talk.sql("SELECT id FROM staff_members WHERE role = 'owner'")
        await talk.press(team, f"at:sure:{owner['id']}", force=True)
        assert await talk.last_answer() == "Себя удалить нельзя."
        card = only(await talk.tap(team, f"id {NEW_ADMIN}"))
        sure = only(await talk.tap(card, "Удалить"))
        team = only(await talk.tap(sure, "Да, удалить"))
        assert (team.text or "").startswith(f"id {NEW_ADMIN} больше не сотрудник.")
        assert str(NEW_ADMIN) not in (team.text or "").split("\n", 2)[-1]

    with as_user(talk, NEW_ADMIN):
        reply = only(await talk.send("/admin"))
        assert (reply.text or "").startswith("Этот раздел только для сотрудников.")
    rows = await talk.sql("SELECT role FROM staff_members ORDER BY id")
    assert [r["role"] for r in rows] == ["owner"]


async def test_settings_are_validated_and_reach_customers(talk: Talk) -> None:
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        values = only(await talk.tap(home, "Настройки"))
        assert "Название: Салон Анна" in (values.text or "")
        assert "Напоминания за: 1 д" not in (values.text or "")
        ask = only(await talk.tap(values, "Шаг записи"))
        assert "5, 10, 15" in (ask.text or "")
        assert only(await talk.send("7")).text == "Шаг должен делить сутки: 5, 10, 15, 20, 30, 60…"
        values = only(await talk.send("30"))
        assert "Шаг записи: 30 мин" in (values.text or "")
        ask = only(await talk.tap(values, "Название"))
        values = only(await talk.send("Студия Анны"))
        assert "Название: Студия Анны" in (values.text or "")

    calendar = await customer_calendar(talk)
    times = only(await talk.tap(calendar, "3"))
    assert times.button_texts[:3] == ["10:00", "10:30", "11:00"]
    welcome = only(await talk.send("/start"))
    assert "Студия Анны" in (welcome.text or "")
