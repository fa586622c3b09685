"""One business bought through the real path, for `make run` and the end-to-end tests.

A buyer has written to the sales bot; billing records the signup and creates the payment in
the YooKassa emulator (exactly as the sales bot's checkout does); the buyer pays on the
confirmation page; from there everything is the product's own path: the emulator notifies
billing's webhook, billing verifies and records it and publishes `payment.succeeded`, the
provisioner creates the tenant and sets its bot up, notifier tells the buyer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient
from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.config import Plan
from services.billing.ports import SignupRecord
from services.billing.use_cases import Checkout
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.settings import Secret

DEMO_PLAN = Plan(code="m1", period_days=30, price_kopecks=29900, title="1 месяц")


@dataclass(frozen=True, slots=True)
class Purchase:
    signup_id: str
    payment_id: str
    bot_username: str
    bot_id: int
    buyer_chat_id: int
    notification_status: int | None


@dataclass(frozen=True, slots=True)
class Endpoints:
    database_url: str
    telegram_url: str
    yookassa_url: str
    shop_id: str
    shop_secret: str
    platform_secret: str
    sales_bot: str


async def create_signup_payment(
    endpoints: Endpoints,
    *,
    business_name: str,
    bot_username: str,
    buyer_chat_id: int,
    timezone: str = "Europe/Moscow",
    plan: Plan = DEMO_PLAN,
) -> tuple[str, str, int]:
    """Make the tenant's bot in the emulator, record the signup and create its payment.

    Returns (signup_id, payment_id, bot_id)."""
    async with TelegramSandboxClient(endpoints.telegram_url) as telegram:
        bot = await telegram.create_bot(bot_username, business_name)
        await telegram.send_text(endpoints.sales_bot, buyer_chat_id, "/start", first_name="Анна")
    pool = await asyncpg.create_pool(endpoints.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        ledger = PgLedger(pool)
        signup_id = uuid.uuid4().hex
        await ledger.save_signup(
            SignupRecord(
                signup_id=signup_id,
                buyer_chat_id=buyer_chat_id,
                business_name=business_name,
                city="",
                timezone=timezone,
                owner_chat_id=buyer_chat_id,
                bot_id=bot.id,
                bot_username=bot.username,
                bot_token_sealed=Sealer(Secret(endpoints.platform_secret)).seal(bot.token),
                receipt_email=None,
                tenant_id=None,
                status="draft",
            )
        )
        checkout = Checkout(
            api=YooKassaApi(
                account_id=endpoints.shop_id,
                secret_key=endpoints.shop_secret,
                api_url=f"{endpoints.yookassa_url}/v3",
            ),
            ledger=ledger,
            clock=SystemClock(),
            return_url="https://t.me",
            receipts=False,
            vat_code=1,
        )
        view = await checkout.start(
            plan=plan,
            purpose="new",
            buyer_chat_id=buyer_chat_id,
            signup_id=signup_id,
            business_name=business_name,
        )
    finally:
        await pool.close()
    return signup_id, view.payment_id, bot.id


async def buy_business(
    endpoints: Endpoints,
    *,
    business_name: str,
    bot_username: str,
    buyer_chat_id: int,
    timezone: str = "Europe/Moscow",
) -> Purchase:
    signup_id, payment_id, bot_id = await create_signup_payment(
        endpoints,
        business_name=business_name,
        bot_username=bot_username,
        buyer_chat_id=buyer_chat_id,
        timezone=timezone,
    )
    async with YooKassaSandboxClient(endpoints.yookassa_url) as yookassa:
        paid = await yookassa.pay(payment_id)
    return Purchase(
        signup_id=signup_id,
        payment_id=payment_id,
        bot_username=bot_username,
        bot_id=bot_id,
        buyer_chat_id=buyer_chat_id,
        notification_status=paid.notification_status,
    )
