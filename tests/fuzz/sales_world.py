"""The sales bot wired as billing's app wires it (`services/billing/main.py`), fed directly.

BUYER is the person fuzzing it; OTHER_BUYER has a signup waiting for payment, a pending
payment and a live tenant, so buttons carrying their ids are attempts on someone else's
purchase: none of OTHER_BUYER's rows may change, and no payment may be made for their tenant.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg
import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from redis.asyncio import Redis

from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from services.billing.adapters.bot_api import TelegramBotTokens
from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.signups_pg import PgSignups
from services.billing.adapters.tenants_pg import PgTenants
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.bot import SalesDeps, build_sales_dispatcher
from services.billing.config import BillingSettings
from services.billing.main import LOCALES, MIGRATIONS
from services.billing.use_cases import (
    Checkout,
    CheckPayment,
    PaymentRecorder,
    Purchase,
    SignupFlow,
    StartTrial,
)
from shared.bus import Publisher
from shared.crypto import Sealer
from shared.i18n import Catalog
from shared.migrate import load_migrations, migrate_schema
from shared.settings import Env, Secret
from shared.telegram import Bots
from tests.fuzz.booking_world import NOW, FixedClock, harvest
from tests.fuzz.harness import Counts, Fingerprint, Outcome, Part, RawUpdates, feed_like_subscriber

SHOP_ID, SHOP_SECRET = "510077", "fuzz_sales_secret_key_0123456789"
PLATFORM_SECRET = secrets.token_urlsafe(48)
BUYER = 710_000_201
OTHER_BUYER = 710_000_202
STRANGER = 710_000_203
POOL = [BUYER, STRANGER]
RUN = uuid.uuid4().hex[:6]
OTHER_SIGNUP = f"fz-signup-{RUN}"
OTHER_PAYMENT = f"fz-payment-{RUN}"
OTHER_TENANT = f"fz_other_{RUN}"


def _others(buyer: int) -> list[Part]:
    """Rows the fuzzing buyer must never change (by the `billing` schema's owner columns)."""
    mine = f"buyer_chat_id = {buyer}"
    their_tenants = f"SELECT tenant_id FROM billing.tenants WHERE buyer_chat_id <> {buyer}"
    return [
        Part("signups", f"NOT ({mine})"),
        Part("payments", f"NOT ({mine})"),
        Part("payments", f"tenant_id IN ({their_tenants})"),
        Part("tenants", f"NOT ({mine})"),
        Part("trials", f"NOT ({mine})"),
        Part("saved_methods", f"tenant_id IN ({their_tenants})"),
        Part(
            "ledger", f"payment_id IN (SELECT payment_id FROM billing.payments WHERE NOT ({mine}))"
        ),
    ]


@dataclass(repr=False)
class SalesWorld:
    counts: Counts
    client: TelegramSandboxClient
    sandbox_bot: SandboxBot
    bot: Bot
    dispatcher: Dispatcher
    deps: SalesDeps
    raw: RawUpdates
    pool: asyncpg.Pool
    others: Fingerprint
    messages: dict[int, int]  # user -> a bot message in their chat
    foreign: list[str]
    corpus: list[str] = field(default_factory=list)

    async def feed(self, update: dict[str, object]) -> Outcome:
        return await feed_like_subscriber(
            self.counts, self.dispatcher, self.bot, update, sales=self.deps
        )


async def _seed_other_buyer(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO billing.signups (signup_id, buyer_chat_id, business_name, owner_chat_id,"
            " bot_id, bot_username, status, tenant_id) "
            "VALUES ($1, $2, 'Чужой салон', $2, 42, 'their_bot', 'awaiting_payment', $3)",
            OTHER_SIGNUP,
            OTHER_BUYER,
            OTHER_TENANT,
        )
        await conn.execute(
            "INSERT INTO billing.payments (payment_id, idempotence_key, signup_id, purpose,"
            " plan_code, period_days, amount_kopecks, buyer_chat_id) "
            "VALUES ($1, $1, $2, 'new', 'm1', 30, 29900, $3)",
            OTHER_PAYMENT,
            OTHER_SIGNUP,
            OTHER_BUYER,
        )
        await conn.execute(
            "INSERT INTO billing.tenants (tenant_id, signup_id, buyer_chat_id, owner_chat_id,"
            " business_name, bot_username, paid_until) "
            "VALUES ($1, $2, $3, $3, 'Чужой салон', 'their_bot', $4)",
            OTHER_TENANT,
            OTHER_SIGNUP,
            OTHER_BUYER,
            NOW + timedelta(days=3),
        )


async def open_sales_world(
    *,
    counts: Counts,
    client: TelegramSandboxClient,
    base_url: str,
    yookassa_url: str,
    http: httpx.AsyncClient,
    bots: Bots,
    session: AiohttpSession,
    redis: Redis,
    publisher: Publisher,
    pool: asyncpg.Pool,
) -> SalesWorld:
    await migrate_schema(pool, "billing", load_migrations(MIGRATIONS))
    await _seed_other_buyer(pool)
    sandbox_bot = await client.create_bot(f"fz_sales_{RUN}_bot", "Платформа")
    settings = BillingSettings.load(
        Env(
            {
                "NATS_URL": "nats://127.0.0.1:9",
                "DATABASE_URL": "postgresql://127.0.0.1:9/unused",
                "TELEGRAM_API_BASE": base_url,
                "PLATFORM_SECRET": PLATFORM_SECRET,
                "YOOKASSA_SHOP_ID": SHOP_ID,
                "YOOKASSA_SECRET_KEY": SHOP_SECRET,
                "YOOKASSA_API_URL": f"{yookassa_url}/v3",
                "SALES_BOT_TOKEN": sandbox_bot.token,
            }
        )
    )
    clock = FixedClock()
    ledger, signups, tenants = PgLedger(pool), PgSignups(pool), PgTenants(pool)
    api = YooKassaApi(
        account_id=settings.yookassa.shop_id,
        secret_key=settings.yookassa.secret_key.reveal(),
        api_url=settings.yookassa.api_url,
    )
    recorder = PaymentRecorder(api=api, ledger=ledger, events=publisher, clock=clock)
    checkout = Checkout(
        api=api,
        ledger=ledger,
        clock=clock,
        return_url=settings.yookassa.return_url,
        receipts=settings.yookassa.receipts,
        vat_code=settings.yookassa.vat_code,
    )
    flow = SignupFlow(
        signups=signups,
        tokens=TelegramBotTokens(session),
        sealer=Sealer(Secret(PLATFORM_SECRET)),
    )
    deps = SalesDeps(
        texts=Catalog.load(LOCALES),
        flow=flow,
        purchase=Purchase(
            plans=settings.plans,
            checkout=checkout,
            flow=flow,
            tenants=tenants,
            ledger=ledger,
            receipts=settings.yookassa.receipts,
            autopayments=settings.yookassa.autopayments,
        ),
        trial=StartTrial(
            flow=flow,
            signups=signups,
            clock=clock,
            trial_days=settings.trial_days,
        ),
        check=CheckPayment(api=api, ledger=ledger, recorder=recorder),
    )
    world = SalesWorld(
        counts=counts,
        client=client,
        sandbox_bot=sandbox_bot,
        bot=bots.get(Secret(sandbox_bot.token)),
        dispatcher=build_sales_dispatcher(
            redis, clock=clock, state_ttl_seconds=settings.sales_state_ttl_seconds
        ),
        deps=deps,
        raw=RawUpdates(http, base_url, sandbox_bot.token),
        pool=pool,
        others=Fingerprint("billing", _others(BUYER)),
        messages={},
        foreign=[OTHER_SIGNUP, OTHER_PAYMENT, OTHER_TENANT],
    )
    for user in POOL:
        await client.send_text(sandbox_bot, user, "/start", first_name="Тест")
        for update in await world.raw.take():
            assert await world.feed(update) == "ok"
        view = await client.chat(sandbox_bot, user)
        world.messages[user] = [m for m in view.messages if m.from_bot][-1].message_id
    world.corpus = await harvest(client, sandbox_bot, world.raw, world.feed, [STRANGER])
    return world
