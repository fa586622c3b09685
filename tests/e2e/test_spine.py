"""The paid path end to end: YooKassa notification -> one tenant -> buyer told -> bot answers."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from devstack.demo import Endpoints, buy_business, create_signup_payment
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient
from tests.conftest import RUN_ID
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def bot_name(label: str) -> str:
    return f"{label}_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot"


def buyer_id() -> int:
    return 10_000_000 + uuid.uuid4().int % 80_000_000


async def tenant_rows(database_url: str, bot_username: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(
            "SELECT tenant_id, status, business_name FROM platform.tenants WHERE bot_username = $1",
            bot_username,
        )
    finally:
        await conn.close()


async def schema_exists(database_url: str, tenant_id: str) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(await conn.fetchval("SELECT to_regnamespace($1) IS NOT NULL", f"t_{tenant_id}"))
    finally:
        await conn.close()


async def ask_start(telegram: TelegramSandboxClient, bot: str, customer: int) -> str:
    await telegram.send_text(bot, customer, "/start", first_name="Мария")
    reply = await telegram.wait_for_message(bot, customer, 0, 15)
    return reply[-1].text or ""


async def test_a_paid_plan_brings_the_bot_to_life(
    endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    buyer, bot = buyer_id(), bot_name("anna")
    purchase = await buy_business(
        endpoints, business_name="Салон «Анна»", bot_username=bot, buyer_chat_id=buyer
    )
    assert purchase.notification_status == 200

    told = await ChatUser(telegram, endpoints.sales_bot, user_id=buyer).expect(f"@{bot}", wait=30)
    assert "запущен" in (told.text or "")
    rows = await tenant_rows(endpoints.database_url, bot)
    assert len(rows) == 1
    assert rows[0]["status"] == "active"
    assert await schema_exists(endpoints.database_url, rows[0]["tenant_id"])
    assert "Салон «Анна»" in await ask_start(telegram, bot, 555_001)


async def test_each_tenant_answers_with_its_own_name(
    endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    first, second = bot_name("barber"), bot_name("clinic")
    for name, bot in (("Барбершоп «Борода»", first), ("Клиника «Здоровье»", second)):
        buyer = buyer_id()
        await buy_business(endpoints, business_name=name, bot_username=bot, buyer_chat_id=buyer)
        await ChatUser(telegram, endpoints.sales_bot, user_id=buyer).expect(f"@{bot}", wait=30)
    assert "Барбершоп «Борода»" in await ask_start(telegram, first, 555_002)
    assert "Клиника «Здоровье»" in await ask_start(telegram, second, 555_002)


async def test_a_repeated_notification_changes_nothing(
    endpoints: Endpoints, telegram: TelegramSandboxClient, yookassa: YooKassaSandboxClient
) -> None:
    buyer, bot = buyer_id(), bot_name("repeat")
    purchase = await buy_business(
        endpoints, business_name="Студия «Повтор»", bot_username=bot, buyer_chat_id=buyer
    )
    chat = ChatUser(telegram, endpoints.sales_bot, user_id=buyer)
    await chat.expect(f"@{bot}", wait=30)
    for _ in range(4):
        again = await yookassa.notify(purchase.payment_id)
        assert again.notification_status == 200

    # A later purchase by the same buyer is the next thing the buyer hears about: nothing in
    # between means the repeats provisioned nothing and sent nothing.
    later_bot = bot_name("later")
    await buy_business(
        endpoints, business_name="Студия «Позже»", bot_username=later_bot, buyer_chat_id=buyer
    )
    await chat.expect(f"@{later_bot}", wait=30)
    history = await telegram.chat(endpoints.sales_bot, buyer)
    live_notes = [
        m.text or "" for m in history.messages if m.from_bot and "запущен" in (m.text or "")
    ]
    assert len(live_notes) == 2, live_notes  # one per purchase, none for the repeats
    assert len(await tenant_rows(endpoints.database_url, later_bot)) == 1
    assert len(await tenant_rows(endpoints.database_url, bot)) == 1
    conn = await asyncpg.connect(endpoints.database_url)
    try:
        recorded = await conn.fetchval(
            "SELECT count(*) FROM billing.ledger WHERE payment_id = $1", purchase.payment_id
        )
    finally:
        await conn.close()
    assert recorded == 1


def notification(payment_id: str) -> dict[str, object]:
    return {
        "type": "notification",
        "event": "payment.succeeded",
        "object": {"id": payment_id, "status": "succeeded", "paid": True},
    }


async def post_notification(
    stack: Stack, payment_id: str, *, forwarded_for: str | None = None
) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{stack.config.url('billing')}/webhooks/yookassa",
            json=notification(payment_id),
            headers=headers,
        )
    return response.status_code


async def test_forged_notifications_provision_nothing(
    stack: Stack,
    endpoints: Endpoints,
    telegram: TelegramSandboxClient,
    yookassa: YooKassaSandboxClient,
) -> None:
    buyer, bot = buyer_id(), bot_name("forged")
    _, pending_id, _ = await create_signup_payment(
        endpoints, business_name="Салон «Подделка»", bot_username=bot, buyer_chat_id=buyer
    )
    # From outside YooKassa's networks (the proxy reports the real client): refused.
    assert await post_notification(stack, pending_id, forwarded_for="203.0.113.7") == 403
    # From an allowed address, but the payment is still pending at YooKassa: refused.
    assert await post_notification(stack, pending_id) == 403
    # A payment billing never created (unknown to it), even if paid at YooKassa: refused.
    assert await post_notification(stack, str(uuid.uuid4())) == 403
    assert await tenant_rows(endpoints.database_url, bot) == []

    # The real payment, once paid, still provisions exactly one tenant.
    paid = await yookassa.pay(pending_id)
    assert paid.notification_status == 200
    await ChatUser(telegram, endpoints.sales_bot, user_id=buyer).expect(f"@{bot}", wait=30)
    assert len(await tenant_rows(endpoints.database_url, bot)) == 1
