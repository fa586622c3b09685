"""Names with HTML in them are shown literally on every screen, and nothing fails on them.

The Telegram emulator parses `parse_mode=HTML` like Telegram (a stray `<` is a 400, which the
service would retry and then dead-letter), so a business called `<b>Анна & Co</b>` shows
exactly that only when every value is escaped where it is formatted. Reuses the customer
conversation's harness (a fixed clock on Monday 2 June 2031, 09:00 Moscow).

Also here: tenant bots serve private chats only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import msgspec
import pytest
from aiogram.types import Update
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    moscow,
    only,
    shared_infra,
    talk,
)

from sandbox.telegram.models import ChatMessage
from services.booking.adapters import booking_repo
from shared.db import tenant_tx
from shared.redis_keys import current_tenant

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

BUSINESS = "<b>Анна & Co</b>"
SERVICE = "<i>Стрижка</i> & укладка"
MASTER = '<Мастер> "Оля" & Co'
CUSTOMER = "<Оля> & <script>"
ADDRESS = "ул. <Ленина> & 1"


async def with_markup_names(talk: Talk) -> None:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute("UPDATE business SET name = $1, address = $2", BUSINESS, ADDRESS)
        await conn.execute("UPDATE services SET name = $1 WHERE name = 'Стрижка'", SERVICE)
        await conn.execute("UPDATE masters SET name = $1", MASTER)
    config = msgspec.structs.replace(talk.tenant.config, business_name=BUSINESS)
    talk.tenant = replace(talk.tenant, config=config)


@contextmanager
def as_owner(talk: Talk) -> Iterator[None]:
    customer = talk.user
    talk.user = OWNER
    try:
        yield
    finally:
        talk.user = customer


def shows(message: ChatMessage, *values: str) -> None:
    text = message.text or ""
    for value in values:
        assert value in text, f"{value!r} not shown literally in {text!r}"


def tap_containing(message: ChatMessage, part: str) -> str:
    return next(t for t in message.button_texts if part in t)


async def test_a_customer_books_with_markup_in_every_name(talk: Talk) -> None:
    await with_markup_names(talk)

    welcome = only(await talk.send("/start"))
    shows(welcome, BUSINESS)
    shows(only(await talk.send("привет, есть время?")), BUSINESS)  # free text: the fallback
    shows(only(await talk.send("/about")), BUSINESS, ADDRESS, SERVICE)

    services = only(await talk.tap(welcome, "Записаться"))
    assert any(SERVICE in label for label in services.button_texts)
    masters = only(await talk.tap(services, tap_containing(services, SERVICE)))
    shows(masters, SERVICE)
    assert MASTER in masters.button_texts
    calendar = only(await talk.tap(masters, MASTER))
    times = only(await talk.tap(calendar, "3"))
    await talk.tap(times, "10:00")
    shows(only(await talk.send(CUSTOMER)), CUSTOMER)  # «<Оля>…, оставьте номер»
    _thanks, summary = await talk.send("+7 912 345-67-89")
    shows(summary, SERVICE, MASTER, CUSTOMER)

    done = only(await talk.tap(summary, "Подтвердить"))
    shows(done, SERVICE, MASTER, f"«{BUSINESS}», {ADDRESS}")
    await talk.event("created")
    shows(only(await talk.send("/my")), SERVICE, MASTER)

    (row,) = await talk.sql(
        "SELECT c.name FROM bookings b JOIN customers c ON c.id = b.customer_id"
    )
    assert row["name"] == CUSTOMER


async def test_the_owner_administers_with_markup_in_every_name(talk: Talk) -> None:
    await with_markup_names(talk)
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        customer = await booking_repo.upsert_customer(
            conn, telegram_id=1, name=CUSTOMER, phone="+79120000000"
        )
        await booking_repo.create_booking(
            conn,
            customer_id=customer.id,
            service_id=await conn.fetchval("SELECT id FROM services WHERE name = $1", SERVICE),
            master_id=await conn.fetchval("SELECT id FROM masters LIMIT 1"),
            starts_at=moscow(2, 12),
            actor="customer",
        )

    with as_owner(talk):
        home = only(await talk.send("/admin"))
        shows(home, BUSINESS)
        today = only(await talk.tap(home, "Записи на сегодня"))
        shows(today, SERVICE, MASTER, CUSTOMER)
        card = only(await talk.tap(today, tap_containing(today, "12:00")))
        shows(card, SERVICE, MASTER, CUSTOMER)

        home = only(await talk.send("/admin"))
        services = only(await talk.tap(home, "Услуги"))
        service = only(await talk.tap(services, tap_containing(services, "Стрижка")))
        shows(service, SERVICE, MASTER)
        shows(only(await talk.tap(service, "Название")), SERVICE)  # «новое название …»
        await talk.send("/cancel")

        home = only(await talk.send("/admin"))
        masters = only(await talk.tap(home, "Мастера"))
        master = only(await talk.tap(masters, tap_containing(masters, "Мастер")))
        shows(master, MASTER, SERVICE)
        shows(only(await talk.tap(master, "Имя")), MASTER)  # «новое имя мастера …»


def group_update(update_id: int, chat_type: str, user: int, text: str) -> Update:
    chat_id = -1_000_000_000_000 - update_id
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": chat_id, "type": chat_type, "title": "Чат салона"},
                "from": {"id": user, "is_bot": False, "first_name": "Анна"},
                "text": text,
            },
        }
    )


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_a_tenant_bot_says_nothing_in_a_group(talk: Talk, chat_type: str) -> None:
    """Even the owner's /admin (which lists customers' phones) gets no answer in a group."""
    sent_before = await talk.shared.client.sent(talk.sandbox_bot)
    for number, (user, text) in enumerate(
        [(OWNER, "/admin"), (OWNER, "/start"), (talk.user, "/my"), (talk.user, "привет")]
    ):
        update = group_update(900_000 + number, chat_type, user, text)
        token = current_tenant.set(talk.tenant_id)
        try:
            await talk.dispatcher.feed_update(talk.bot, update, tenant=talk.tenant, deps=talk.deps)
        finally:
            current_tenant.reset(token)

    assert await talk.shared.client.sent(talk.sandbox_bot) == sent_before
    assert await talk.sql("SELECT id FROM customers WHERE telegram_id = $1", talk.user) == []
