"""A business's first run through the running stack: bought through the real paid path it
starts empty; its customers are told politely that booking opens soon and ask to be told (one
in Russian, one whose Telegram speaks English); the owner goes through the setup wizard in
the bot; notifier then tells each waiting customer, in their own language, that it opened.
"""

from __future__ import annotations

import uuid

import pytest

from devstack.demo import Endpoints, buy_business
from sandbox.telegram import TelegramSandboxClient
from tests.conftest import RUN_ID
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

WAIT = 30.0  # five services and the sandbox share a loaded machine


async def test_a_new_business_opens_and_tells_its_waiting_customers(
    endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    buyer = 10_000_000 + uuid.uuid4().int % 80_000_000
    bot = f"first_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot"
    await buy_business(
        endpoints, business_name="Студия «Новая»", bot_username=bot, buyer_chat_id=buyer
    )
    await ChatUser(telegram, endpoints.sales_bot, user_id=buyer).expect(f"@{bot}", wait=WAIT)

    maria = ChatUser(telegram, bot, first_name="Мария", language="ru")
    await maria.send("/start")
    soon = await maria.expect("скоро откроется", wait=WAIT)
    assert "Студия «Новая»" in (soon.text or "")
    assert "📅 Записаться" not in soon.button_texts
    await maria.press(soon, "Сообщить мне")
    await maria.expect("Мы напишем вам сюда", wait=WAIT)

    john = ChatUser(telegram, bot, first_name="John", language="en-GB")
    await john.send("/start")
    await john.press(await john.expect("opens soon", wait=WAIT), "Notify me")
    await john.expect("We will write to you here", wait=WAIT)

    owner = ChatUser(telegram, bot, user_id=buyer, first_name="Анна", language="ru")
    await owner.send("/start")
    wizard = await owner.expect("Давайте настроим", wait=WAIT)
    await owner.press(wizard, "Салон красоты")
    services = await owner.expect("шаг 2 из 6", wait=WAIT)
    await owner.press(services, "Дальше")
    master = await owner.expect("шаг 3 из 6", wait=WAIT)
    await owner.press(master, "Я мастер")
    hours = await owner.expect("шаг 4 из 6", wait=WAIT)
    await owner.press(hours, "Пн–Сб 10:00–20:00")
    await owner.expect("Запись открыта", wait=WAIT)

    told = await maria.expect("Онлайн-запись в «Студия «Новая»» открыта", wait=WAIT)
    assert "/start" in (told.text or "")
    await john.expect("Online booking at “Студия «Новая»” is open", wait=WAIT)

    await maria.send("/start")
    menu = await maria.expect("Выберите, что хотите сделать", wait=WAIT)
    assert "📅 Записаться" in menu.button_texts
