"""A business buys in the sales bot and its bot goes live, through the running stack."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from devstack.demo import Endpoints
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient
from tests.conftest import RUN_ID
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_signup_pay_and_the_new_bot_answers(
    endpoints: Endpoints, telegram: TelegramSandboxClient, yookassa: YooKassaSandboxClient
) -> None:
    anna = ChatUser(telegram, endpoints.sales_bot)
    await anna.send("/start")
    menu = await anna.expect("онлайн-запис")
    await anna.press(menu, "🚀 Подключить бота")
    await anna.expect("Как называется")
    await anna.send("Студия «Лотос»")
    zones = await anna.expect("В каком городе")
    await anna.press(zones, "Новосибирск")
    await anna.expect("@BotFather")

    bot = await telegram.create_bot(f"lotos_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot", "Лотос")
    await anna.send(bot.token)
    owner = await anna.expect(f"@{bot.username}")
    await anna.press(owner, "Да, я")
    plans = await anna.expect("Осталось выбрать тариф")
    await anna.press(plans, "1 месяц")
    invoice = await anna.expect("Счёт готов")
    pay_url = invoice.button("Оплатить").url
    assert pay_url is not None
    payment_id = pay_url.rstrip("/").rsplit("/", 1)[-1]

    paid = await yookassa.pay(payment_id)
    assert paid.notification_status == 200
    live = await anna.expect("запущен", wait=30)
    assert f"@{bot.username}" in (live.text or "")

    customer = ChatUser(telegram, bot, first_name="Мария")
    await customer.send("/start")
    greeting = await customer.expect("Студия «Лотос»")
    assert greeting.buttons

    conn = await asyncpg.connect(endpoints.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT tenant_id, timezone, owner_chat_id, status FROM platform.tenants"
            " WHERE bot_username = $1",
            bot.username,
        )
    finally:
        await conn.close()
    assert row is not None
    assert (row["timezone"], row["owner_chat_id"], row["status"]) == (
        "Asia/Novosibirsk",
        anna.id,
        "active",
    )


async def test_a_trial_goes_live_without_payment(
    endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    boris = ChatUser(telegram, endpoints.sales_bot, first_name="Борис")
    await boris.send("/start")
    menu = await boris.expect("онлайн-запис")
    await boris.press(menu, "🎁 Попробовать 7 дней бесплатно")
    await boris.expect("Как называется")
    await boris.send("Барбершоп «Пробный»")
    zones = await boris.expect("В каком городе")
    await boris.press(zones, "Москва")
    await boris.expect("@BotFather")
    bot = await telegram.create_bot(f"trial_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot", "Пробный")
    await boris.send(bot.token)
    owner = await boris.expect(f"@{bot.username}")
    await boris.press(owner, "Да, я")
    await boris.expect("Пробный период")
    live = await boris.expect("запущен", wait=30)
    assert f"@{bot.username}" in (live.text or "")
    customer = ChatUser(telegram, bot)
    await customer.send("/start")
    await customer.expect("Барбершоп «Пробный»")
