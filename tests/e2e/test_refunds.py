"""Payments that cannot be gamed, on the running stack: a refund made in YooKassa (the
emulator, as the shop would in its dashboard) reaches billing as YooKassa's own notification,
is fetched back and checked, and takes back the refunded share of the tenant's period; refunded
in full, the bot stops. Forged refund notifications change nothing. A second plan link paid on
one signup renews the tenant it created instead of vanishing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import httpx
import nats
import pytest

from devstack.demo import Endpoints, buy_business, create_signup_payment
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient
from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.config import Plan
from services.billing.use_cases import Checkout
from shared.bus import tenants_bucket
from shared.clock import SystemClock
from shared.messages import TenantConfig, decode
from tests.conftest import RUN_ID
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

DAY = timedelta(days=1)


def buyer_id() -> int:
    return 10_000_000 + uuid.uuid4().int % 80_000_000


def bot_name(label: str) -> str:
    return f"{label}_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot"


def yookassa_api(endpoints: Endpoints) -> YooKassaApi:
    return YooKassaApi(
        account_id=endpoints.shop_id,
        secret_key=endpoints.shop_secret,
        api_url=f"{endpoints.yookassa_url}/v3",
    )


async def query(endpoints: Endpoints, sql: str, *args: object) -> asyncpg.Record:
    conn = await asyncpg.connect(endpoints.database_url)
    try:
        row = await conn.fetchrow(sql, *args)
    finally:
        await conn.close()
    assert row is not None, sql
    return row


async def tenant_of(endpoints: Endpoints, bot: str) -> asyncpg.Record:
    return await query(
        endpoints,
        "SELECT tenant_id, status, paid_until FROM platform.tenants"
        " WHERE bot_username = $1 AND status <> 'deleted'",
        bot,
    )


async def directory_status(stack: Stack, tenant_id: str, status: str) -> None:
    """Wait (on the KV watch) until the tenant directory shows `status`."""
    connection = await nats.connect(stack.config.nats_url)
    try:
        watcher = await (await tenants_bucket(connection.jetstream())).watch(tenant_id)
        async with asyncio.timeout(15):
            async for entry in watcher:
                seen = decode(TenantConfig, entry.value) if entry and entry.value else None
                if seen is not None and seen.status == status:
                    return
    finally:
        await connection.close()


async def post_refund_note(stack: Stack, refund_id: str, payment_id: str) -> int:
    body = {
        "type": "notification",
        "event": "refund.succeeded",
        "object": {
            "id": refund_id,
            "payment_id": payment_id,
            "status": "succeeded",
            "amount": {"value": "299.00", "currency": "RUB"},
        },
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{stack.config.url('billing')}/webhooks/yookassa", json=body)
    return response.status_code


async def test_a_refund_takes_back_its_share_then_a_full_refund_stops_the_bot(
    stack: Stack,
    endpoints: Endpoints,
    telegram: TelegramSandboxClient,
    yookassa: YooKassaSandboxClient,
) -> None:
    buyer, bot = buyer_id(), bot_name("refund")
    purchase = await buy_business(
        endpoints, business_name="Салон «Возврат»", bot_username=bot, buyer_chat_id=buyer
    )
    owner = ChatUser(telegram, endpoints.sales_bot, user_id=buyer)
    await owner.expect(f"@{bot}", wait=30)
    before = await tenant_of(endpoints, bot)
    api = yookassa_api(endpoints)

    half = await api.create_refund(
        payment_id=purchase.payment_id, amount_kopecks=14950, idempotence_key=f"half-{bot}"
    )
    note = await owner.expect("возврат", wait=30)
    assert "149,50 ₽" in (note.text or "")
    assert "15 дн." in (note.text or "")
    after = await tenant_of(endpoints, bot)
    assert after["paid_until"] == before["paid_until"] - 15 * DAY
    assert after["status"] == "active"
    payment = await query(
        endpoints,
        "SELECT refunded_kopecks, status FROM billing.payments WHERE payment_id = $1",
        purchase.payment_id,
    )
    assert (payment["refunded_kopecks"], payment["status"]) == (14950, "succeeded")

    # Forged: a refund YooKassa never made, and a real one claimed for another payment.
    assert await post_refund_note(stack, str(uuid.uuid4()), purchase.payment_id) == 403
    assert await post_refund_note(stack, half, str(uuid.uuid4())) == 403
    # YooKassa repeating its own notification is answered and changes nothing.
    assert (
        await yookassa.notify(purchase.payment_id, "refund.succeeded")
    ).notification_status == 200
    assert (await tenant_of(endpoints, bot))["paid_until"] == after["paid_until"]

    await api.create_refund(
        payment_id=purchase.payment_id, amount_kopecks=14950, idempotence_key=f"rest-{bot}"
    )
    stopped = await owner.expect("остановлен", wait=30)
    assert "оплата возвращена" in (stopped.text or "")
    await directory_status(stack, after["tenant_id"], "suspended")
    final = await tenant_of(endpoints, bot)
    assert final["status"] == "suspended"
    refunds = await query(
        endpoints,
        "SELECT count(*) AS n, coalesce(sum(amount_kopecks), 0) AS total"
        " FROM billing.ledger WHERE payment_id = $1 AND event = 'refund.succeeded'",
        purchase.payment_id,
    )
    assert (refunds["n"], refunds["total"]) == (2, -29900)
    history = await telegram.chat(endpoints.sales_bot, buyer)
    refund_notes = [m for m in history.messages if m.from_bot and "возврат" in (m.text or "")]
    assert len(refund_notes) == 1  # the full refund is told once, as the bot stopping


async def test_a_second_plan_link_paid_on_one_signup_renews_its_tenant(
    endpoints: Endpoints, telegram: TelegramSandboxClient, yookassa: YooKassaSandboxClient
) -> None:
    buyer, bot = buyer_id(), bot_name("twice")
    signup_id, first, _ = await create_signup_payment(
        endpoints, business_name="Студия «Дважды»", bot_username=bot, buyer_chat_id=buyer
    )
    # The buyer asked for a second plan on the same signup before paying the first.
    pool = await asyncpg.create_pool(endpoints.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        second = await Checkout(
            api=yookassa_api(endpoints),
            ledger=PgLedger(pool),
            clock=SystemClock(),
            return_url="https://t.me",
            receipts=False,
            vat_code=1,
        ).start(
            plan=Plan(code="m3", period_days=90, price_kopecks=79900, title="3 месяца"),
            purpose="new",
            buyer_chat_id=buyer,
            signup_id=signup_id,
            business_name="Студия «Дважды»",
        )
    finally:
        await pool.close()
    owner = ChatUser(telegram, endpoints.sales_bot, user_id=buyer)
    assert (await yookassa.pay(first)).notification_status == 200
    await owner.expect("запущен", wait=30)
    start = (await tenant_of(endpoints, bot))["paid_until"]

    assert (await yookassa.pay(second.payment_id)).notification_status == 200
    renewed = await owner.expect("Оплата получена", wait=30)
    assert f"@{bot}" in (renewed.text or "")
    tenant = await tenant_of(endpoints, bot)
    assert tenant["paid_until"] == start + 90 * DAY
    applied = await query(
        endpoints,
        "SELECT count(*) AS n FROM platform.applied_payments WHERE tenant_id = $1",
        tenant["tenant_id"],
    )
    assert applied["n"] == 2
