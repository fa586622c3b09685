"""Per-master services and master profiles, end to end through the Telegram emulator and
real Postgres/Redis/NATS: the owner gives a master their own price and duration and a short
description; the customer sees them where they choose a master, the calendar fits the
master's duration, and the booking is made with the master's price and length.

The catalog is made here explicitly: «Ирина» and «Олег» work Mon-Sat 10:00-20:00,
«Стрижка» is 60 minutes for 1 500 ₽.
"""

from __future__ import annotations

import pytest
from owner_catalog import make_catalog
from test_booking_admin import MASTER_USER, admin_home, as_user
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    moscow,
    only,
    shared_infra,
    talk,
)

from services.booking.adapters import booking_repo
from shared.db import tenant_tx

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

NBSP = "\u00a0"


async def oleg_profile(talk: Talk):
    home = await admin_home(talk)
    masters = only(await talk.tap(home, "Мастера"))
    card = only(await talk.tap(masters, "Олег"))
    return only(await talk.tap(card, "Профиль"))


async def test_a_masters_own_price_duration_and_description_reach_the_customer(
    talk: Talk,
) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина", "Олег"))
    with as_user(talk, OWNER):
        profile = await oleg_profile(talk)
        assert "Описания нет." in (profile.text or "")
        assert f"Стрижка · 1{NBSP}500 ₽ · 1 ч" in (profile.text or "")
        ask = only(await talk.tap(profile, "Стрижка: цена и длительность"))
        assert "2000 / 1:30" in (ask.text or "")
        assert only(await talk.send("дорого")).text == (
            "Не понял цену. Пишите в рублях: 1500 или 1 500,50."
        )
        profile = only(await talk.send("2500 / 1:30"))
        assert f"Стрижка · 2{NBSP}500 ₽ · 1 ч 30 мин ✎ своя" in (profile.text or "")
        ask = only(await talk.tap(profile, "Описание"))
        profile = only(await talk.send("Барбер, 10 лет опыта"))
        assert "Описание: Барбер, 10 лет опыта" in (profile.text or "")
        ask = only(await talk.tap(profile, "Фото"))
        assert "Пришлите фото мастера Олег" in (ask.text or "")
        assert only(await talk.send("картинка")).text == "Пришлите фотографию (не файлом) или «-»."
        profile = only(await talk.send("-"))
        assert "Фото: нет" in (profile.text or "")
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "UPDATE masters SET photo_file_id = 'AgACAgIAAxk-photo' WHERE name = 'Олег'"
        )
        await booking_repo.upsert_customer(
            conn, telegram_id=talk.user, name="Ольга", phone="+79120000000"
        )

    menu = only(await talk.send("/book"))
    masters = only(await talk.tap(menu, "Стрижка"))
    assert masters.button_texts == [
        "Ирина",
        f"Олег · 2{NBSP}500 ₽ · 1 ч 30 мин",
        "📷 Олег: фото",
        "Любой мастер",
        "‹ Назад",
    ]
    assert "Олег — Барбер, 10 лет опыта" in (masters.text or "")

    calendar = only(await talk.tap(masters, "Олег ·"))
    times = only(await talk.tap(calendar, "3"))
    assert "18:30" in times.button_texts  # 90 minutes must end by 20:00
    assert "18:45" not in times.button_texts
    summary = only(await talk.tap(times, "10:00"))
    assert f"Стоимость: 2{NBSP}500 ₽" in (summary.text or "")
    done = only(await talk.tap(summary, "Подтвердить"))
    assert (done.text or "").startswith("Готово, вы записаны!")
    (row,) = await talk.sql("SELECT starts_at, ends_at, price_kopecks FROM bookings")
    assert (row["starts_at"], row["ends_at"], row["price_kopecks"]) == (
        moscow(3, 10),
        moscow(3, 11, 30),
        250_000,
    )

    # Ирина keeps the service's own 60 minutes: 19:00 still fits her day
    menu = only(await talk.send("/book"))
    masters = only(await talk.tap(menu, "Стрижка"))
    calendar = only(await talk.tap(masters, "Ирина"))
    times = only(await talk.tap(calendar, "4"))
    assert "19:00" in times.button_texts

    # with any master the longest of their durations is checked: every time shown fits both
    menu = only(await talk.send("/book"))
    masters = only(await talk.tap(menu, "Стрижка"))
    calendar = only(await talk.tap(masters, "Любой мастер"))
    times = only(await talk.tap(calendar, "4"))
    assert "18:30" in times.button_texts
    assert "19:00" not in times.button_texts


async def test_profile_buttons_are_checked_on_the_server(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина", "Олег"))
    ids = {r["name"]: r["id"] for r in await talk.sql("SELECT id, name FROM masters")}
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role, master_id)"
            " VALUES ($1, 'Ирина', 'master', $2)",
            MASTER_USER,
            ids["Ирина"],
        )
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        await talk.press(home, "apf:v:999999", force=True)
        assert await talk.last_answer() == "Такого мастера нет."
        await talk.press(home, f"apx:ask:{ids['Ирина']}:999999", force=True)
        ask = only(await talk.send("2000"))
        assert ask.text == "Этот мастер не выполняет эту услугу."
    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        await talk.press(home, f"apf:bio:{ids['Олег']}", force=True)
        assert await talk.last_answer() == "Это недоступно для вашей роли."
        await talk.press(home, f"apx:ask:{ids['Ирина']}:1", force=True)
        assert await talk.last_answer() == "Это недоступно для вашей роли."
    rows = await talk.sql(
        "SELECT count(*) AS n FROM master_services WHERE price_kopecks IS NOT NULL"
    )
    assert rows[0]["n"] == 0
    (service,) = await talk.sql("SELECT id FROM services")
    customer = only(await talk.send("/start"))
    await talk.press(customer, f"bp:{service['id']}:{ids['Олег']}", force=True)  # no photo
    assert await talk.last_answer() == "Эта кнопка устарела. Вот актуальное меню."
    await talk.press(customer, "bp:999999:1", force=True)  # a service that is not there
    assert await talk.last_answer() == (
        "Эта услуга сейчас недоступна для записи. Выберите, пожалуйста, другую."
    )
