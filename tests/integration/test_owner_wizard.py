"""The owner's first run, end to end through the Telegram emulator, real Postgres, Redis and
NATS: a new business starts empty, its customers are told politely that booking opens soon
(and may ask to be told), the owner's setup wizard can be left and resumed, and once the
business opens the waiting customer is told (the `booking.opened` event notifier words).

`owner_talk` is the customer conversation's harness on a tenant made without a catalog; the
other owner test modules reuse it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import msgspec
import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from nats.aio.msg import Msg
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    NOW,
    OWNER,
    FixedClock,
    Shared,
    Talk,
    only,
    shared_infra,
)

from services.booking.bot import build_dispatcher
from services.booking.context import BookingDeps, TenantContext
from shared.db import tenant_tx
from shared.messages import BookingOpened, TenantConfig

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra"]

MakeTalk = Callable[..., Awaitable[Talk]]


@asynccontextmanager
async def opened_talk(
    shared_infra: Shared, pg_pool, booking_pool, tenant_factory, *, name: str, catalog: bool
) -> AsyncIterator[Talk]:
    """A tenant (with or without the test catalog) whose owner is `OWNER`, its bot, a customer."""
    tenant_id = await tenant_factory(name=name, catalog=catalog)
    async with tenant_tx(pg_pool, tenant_id) as conn:
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Анна', 'owner')",
            OWNER,
        )
    username = f"owner_{uuid.uuid4().hex[:10]}_bot"
    sandbox_bot = await shared_infra.client.create_bot(username, name)
    bot = Bot(
        sandbox_bot.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(shared_infra.base_url)),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    clock = FixedClock(NOW)
    deps = BookingDeps(
        pool=booking_pool, publisher=shared_infra.publisher, clock=clock, texts=shared_infra.texts
    )
    config = TenantConfig(
        tenant_id=tenant_id,
        status="active",
        business_name=name,
        bot_id=sandbox_bot.id,
        bot_username=username,
        bot_token_sealed="sealed",
        delivery="polling",
        timezone="Europe/Moscow",
        owner_chat_id=OWNER,
        paid_until=NOW + timedelta(days=30),
    )
    talk = Talk(
        shared=shared_infra,
        sandbox_bot=sandbox_bot,
        bot=bot,
        dispatcher=build_dispatcher(shared_infra.redis),
        tenant=TenantContext(tenant_id=tenant_id, config=config, update_id=0),
        deps=deps,
        clock=clock,
        user=int(uuid.uuid4().int % 10**9) + 10**9,
    )

    async def collect(msg: Msg) -> None:
        talk.events.append(msg)
        talk.arrived.set()

    subscription = await shared_infra.nc.subscribe(f"booking.*.{tenant_id}", cb=collect)
    try:
        yield talk
    finally:
        await subscription.unsubscribe()
        await bot.session.close()


@pytest_asyncio.fixture(loop_scope="session")
async def empty_talk(shared_infra, pg_pool, booking_pool, tenant_factory) -> AsyncIterator[Talk]:
    async with opened_talk(
        shared_infra, pg_pool, booking_pool, tenant_factory, name="Барбершоп Лев", catalog=False
    ) as talk:
        yield talk


async def as_owner(talk: Talk, action: Callable[[], Awaitable[list]]) -> list:
    customer, talk.user = talk.user, OWNER
    try:
        return await action()
    finally:
        talk.user = customer


async def test_a_new_tenant_starts_empty(empty_talk: Talk) -> None:
    for table in ("services", "masters", "working_hours", "master_services"):
        assert await empty_talk.sql(f"SELECT 1 FROM {table}") == []


async def test_an_unfinished_business_answers_politely_and_tells_the_waiting_customer(
    empty_talk: Talk,
) -> None:
    talk = empty_talk
    soon = only(await talk.send("/start"))
    assert "Барбершоп Лев" in (soon.text or "")
    assert "Онлайн-запись скоро откроется" in (soon.text or "")
    assert "📅 Записаться" not in soon.button_texts
    assert soon.button_texts == ["🔔 Сообщить мне, когда откроется", "ℹ️ О нас"]

    waiting = only(await talk.tap(soon, "Сообщить мне"))
    assert "Мы напишем вам сюда" in (waiting.text or "")
    assert await talk.last_answer() == "Спасибо! Напишем, как только запись откроется."
    (row,) = await talk.sql("SELECT chat_id, locale, told_at FROM waitlist")
    assert (row["chat_id"], row["locale"], row["told_at"]) == (talk.user, "ru", None)

    # The owner's /start opens the wizard; three taps later the business is open.
    wizard = only(await as_owner(talk, lambda: talk.send("/start")))
    assert "Давайте настроим бот «Барбершоп Лев»" in (wizard.text or "")
    assert "шаг 1 из 6" in (wizard.text or "")
    services = only(await as_owner(talk, lambda: talk.tap(wizard, "Барбершоп")))
    assert "✅ Мужская стрижка · 1\u00a0200 ₽ · 45 мин" in services.button_texts
    assert talk.events == []  # nothing to announce yet
    master = only(await as_owner(talk, lambda: talk.tap(services, "Дальше")))
    hours = only(await as_owner(talk, lambda: talk.tap(master, "Я мастер")))
    assert "Мастер добавлен" in (hours.text or "")
    address = only(await as_owner(talk, lambda: talk.tap(hours, "Пн–Сб 10:00–20:00")))
    assert (address.text or "").startswith("🎉 Запись открыта")
    assert "шаг 5 из 6" in (address.text or "")

    opened = msgspec.json.decode((await talk.event("opened")).data, type=BookingOpened)
    assert opened.business_name == "Барбершоп Лев"
    assert [(w.chat_id, w.locale) for w in opened.waiting] == [(talk.user, "ru")]
    (row,) = await talk.sql("SELECT told_at FROM waitlist")
    assert row["told_at"] is not None

    # Told once: another admin action announces nothing more.
    await as_owner(talk, lambda: talk.send("/admin"))
    assert await talk.stored("opened") == 1

    menu = only(await talk.send("/start"))
    assert menu.button_texts == ["📅 Записаться", "🗂 Мои записи", "ℹ️ О нас"]
    services = only(await talk.tap(menu, "Записаться"))
    assert "Мужская стрижка · 1\u00a0200 ₽ · 45 мин" in services.button_texts
    masters = only(await talk.tap(services, "Мужская стрижка"))
    assert masters.button_texts[0] == "Анна"  # the owner is the first master


async def test_the_wizard_left_midway_resumes_where_it_was(empty_talk: Talk) -> None:
    talk = empty_talk
    talk.user = OWNER
    wizard = only(await talk.send("/start"))
    services = only(await talk.tap(wizard, "Клиника"))
    own = only(await talk.tap(services, "Своя услуга"))
    assert "Название, длительность, цена" in (own.text or "")
    refused = only(await talk.send("УЗИ без длительности"))
    assert refused.text == "Не понял. Пишите так: «Стрижка, 60, 1500»."
    services = only(await talk.send("УЗИ, 40, 2500"))
    assert "✅ УЗИ · 2\u00a0500 ₽ · 40 мин" in services.button_texts
    services = only(await talk.tap(services, "Повторный приём"))  # switched off
    assert "▫️ Повторный приём · 1\u00a0200 ₽ · 20 мин" in services.button_texts

    home = only(await talk.tap(services, "Продолжить позже"))
    assert "управление" in (home.text or "")
    assert "🧭 Настройка бота" in home.button_texts

    again = only(await talk.send("/admin"))  # resumed where it was left
    assert "шаг 2 из 6" in (again.text or "")
    master = only(await talk.tap(again, "Дальше"))
    ask = only(await talk.tap(master, "Другой человек"))
    assert "имя мастера" in (ask.text or "")
    hours = only(await talk.send("Доктор Айболит"))
    assert "шаг 4 из 6" in (hours.text or "")
    ask = only(await talk.tap(hours, "Свои часы"))
    bad = only(await talk.send("с утра до вечера"))
    assert "10:00-20:00" in (bad.text or "")
    address = only(await talk.send("09:00-18:00"))
    assert "Запись открыта" in (address.text or "")
    phone = only(await talk.send("ул. Мира, 5"))  # the address step takes text at once
    assert "шаг 6 из 6" in (phone.text or "")
    bad = only(await talk.send("позвоните"))
    assert bad.text == "Не понял номер. Пишите так: +7 912 345-67-89."
    done = only(await talk.send("8 (912) 345-67-89"))
    assert "Готово!" in (done.text or "")

    (business,) = await talk.sql(
        "SELECT business_type, setup_step, setup_done_at, address, phone FROM business"
    )
    assert business["business_type"] == "clinic"
    assert business["setup_step"] == "done"
    assert business["setup_done_at"] is not None
    assert (business["address"], business["phone"]) == ("ул. Мира, 5", "+79123456789")
    hours_rows = await talk.sql(
        "SELECT m.name, h.weekday, h.starts::text, h.ends::text FROM working_hours h"
        " JOIN masters m ON m.id = h.master_id ORDER BY h.weekday"
    )
    assert [tuple(r) for r in hours_rows] == [
        ("Доктор Айболит", d, "09:00:00", "18:00:00") for d in range(5)
    ]
    active = await talk.sql("SELECT name FROM services WHERE active ORDER BY id")
    assert [r["name"] for r in active] == ["Консультация", "Осмотр", "УЗИ"]

    # Finished: /admin is the usual home again, and /start the customer menu.
    home = only(await talk.send("/admin"))
    assert "управление" in (home.text or "")


async def test_only_the_owner_runs_the_wizard(empty_talk: Talk) -> None:
    talk = empty_talk
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Адм', 'admin')",
            talk.user,
        )
    home = only(await talk.send("/admin"))
    assert "управление" in (home.text or "")
    assert "🧭 Настройка бота" not in home.button_texts
    await talk.press(home, "azt:salon", force=True)
    assert await talk.last_answer() == "Настройку проходит владелец."
    assert await talk.sql("SELECT 1 FROM services") == []


@pytest.mark.parametrize("name", ["<b>A&B</b>", "Салон «<i>Лотос</i>» & Co"])
async def test_the_business_name_is_shown_as_written(
    shared_infra, pg_pool, booking_pool, tenant_factory, name: str
) -> None:
    async with opened_talk(
        shared_infra, pg_pool, booking_pool, tenant_factory, name=name, catalog=False
    ) as talk:
        soon = only(await talk.send("/start"))
        assert f"«{name}»" in (soon.text or "")
        about = only(await talk.tap(soon, "О нас"))
        assert name in (about.text or "")
        wizard = only(await as_owner(talk, lambda: talk.send("/start")))
        assert f"«{name}»" in (wizard.text or "")
        home = only(await as_owner(talk, lambda: talk.send("/admin")))
        assert name in (home.text or "")
    async with opened_talk(
        shared_infra, pg_pool, booking_pool, tenant_factory, name=name, catalog=True
    ) as talk:
        welcome = only(await talk.send("/start"))
        assert f"«{name}»" in (welcome.text or "")
        assert "📅 Записаться" in welcome.button_texts
