"""NATS goes down while YooKassa notifies a payment: billing records it with its event in the
outbox and answers 200 at once (YooKassa need not retry), NATS comes back, every service
reconnects by itself, the relay publishes the event and the business goes live exactly once.

This module stops the e2e package's NATS: it holds one test and checks the stack is healthy
again before it ends, since the modules after it share the same stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio

from devstack.demo import Endpoints, buy_business, create_signup_payment
from devstack.infra import LocalInfra
from devstack.stack import SERVICES, Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient
from sandbox.yookassa.objects import NotificationAttempt
from tests.conftest import RUN_ID
from tests.support.chat import ChatUser
from tests.support.clock import set_clock_offset

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

LIVE_WITHIN = 45.0  # NATS back, the relay (fallback poll 2 s) publishes, the provisioner works
# Each service's clock follower re-opens its KV watch as soon as its client reconnects
# (shared.kv_watch); the margin is for the lifecycle sweep and the notifier after it.
WATCHES_BACK_WITHIN = 45.0
HOUR = timedelta(hours=1)


def bot_name(label: str) -> str:
    return f"{label}_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot"


async def attempts(yookassa: YooKassaSandboxClient, payment_id: str) -> list[NotificationAttempt]:
    return [a for a in await yookassa.notifications() if a.payment_id == payment_id]


async def all_ready(stack: Stack) -> dict[str, int]:
    """Each service's /readyz status (200 once NATS, Postgres and Redis answer it again)."""
    async with httpx.AsyncClient(timeout=5) as client:
        return {
            name: (await client.get(f"{stack.config.url(name)}/readyz")).status_code
            for name in SERVICES
        }


async def launch_notes(telegram: TelegramSandboxClient, chat: ChatUser, bot: str) -> list[str]:
    history = await telegram.chat(chat.bot, chat.id)
    return [
        m.text or "" for m in history.messages if m.from_bot and f"@{bot} запущен" in (m.text or "")
    ]


async def counts(database_url: str, bot: str, payment_id: str) -> tuple[int, int, int, int]:
    """Registry rows of the bot, its schemas, applied payments and ledger rows of the payment."""
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM platform.tenants WHERE bot_username = $1) AS tenants,"
            " (SELECT count(*) FROM platform.tenants t JOIN pg_namespace n"
            "   ON n.nspname = 't_' || t.tenant_id WHERE t.bot_username = $1) AS schemas,"
            " (SELECT count(*) FROM platform.applied_payments WHERE payment_id = $2) AS applied,"
            " (SELECT count(*) FROM billing.ledger WHERE payment_id = $2) AS ledger",
            bot,
            payment_id,
        )
    finally:
        await conn.close()
    assert row is not None
    return row["tenants"], row["schemas"], row["applied"], row["ledger"]


@pytest_asyncio.fixture(loop_scope="session")
async def clock_reset(stack: Stack) -> AsyncIterator[None]:
    yield
    await set_clock_offset(stack.config.nats_url, timedelta(0))


async def paid_until(database_url: str, bot: str) -> datetime:
    conn = await asyncpg.connect(database_url)
    try:
        value = await conn.fetchval(
            "SELECT paid_until FROM platform.tenants WHERE bot_username = $1", bot
        )
    finally:
        await conn.close()
    assert isinstance(value, datetime)
    return value


async def test_a_payment_notified_during_a_nats_outage_goes_live_once(
    stack: Stack,
    e2e_infra: LocalInfra,
    endpoints: Endpoints,
    telegram: TelegramSandboxClient,
    yookassa: YooKassaSandboxClient,
    clock_reset: None,
) -> None:
    buyer, bot = 10_000_000 + uuid.uuid4().int % 80_000_000, bot_name("outage")
    _, payment_id, _ = await create_signup_payment(
        endpoints, business_name="Салон «Без связи»", bot_username=bot, buyer_chat_id=buyer
    )
    e2e_infra.stop_nats()
    try:
        paid = await yookassa.pay(payment_id)
    finally:
        e2e_infra.restart_nats()
    # Recorded in the ledger with its event in the outbox, in one transaction, while NATS was
    # away: billing answers 200 at once and YooKassa has nothing to retry.
    assert paid.notification_status == 200
    assert [(a.attempt, a.status_code) for a in await attempts(yookassa, payment_id)] == [(1, 200)]

    buyer_chat = ChatUser(telegram, endpoints.sales_bot, user_id=buyer)
    live = await buyer_chat.expect(f"@{bot}", wait=LIVE_WITHIN)
    assert "запущен" in (live.text or "")
    assert [a.status_code for a in await attempts(yookassa, payment_id)] == [200]

    # Every service took up its work again by itself: the new bot answers (gateway, booking),
    # the sales bot answers (billing's consumer), and the next purchase by the same buyer goes
    # all the way (webhook, provisioner, notifier); meanwhile no second «запущен» came.
    customer = ChatUser(telegram, bot, first_name="Мария")
    await customer.send("/start")
    assert (await customer.expect("Салон «Без связи»")).buttons
    await buyer_chat.send("/start")
    await buyer_chat.expect("онлайн-запис")
    later = bot_name("after")
    again = await buy_business(
        endpoints, business_name="Салон «После»", bot_username=later, buyer_chat_id=buyer
    )
    assert again.notification_status == 200
    await buyer_chat.expect(f"@{later}", wait=30)

    assert len(await launch_notes(telegram, buyer_chat, bot)) == 1
    assert await counts(endpoints.database_url, bot, payment_id) == (1, 1, 1, 1)
    assert await all_ready(stack) == dict.fromkeys(SERVICES, 200)

    # The clock followers and the lifecycle sweeper are back too: a week before the end of the
    # period the owner is warned.
    week_before = await paid_until(endpoints.database_url, bot) - timedelta(days=7) + HOUR
    await set_clock_offset(stack.config.nats_url, week_before - datetime.now(UTC))
    warning = await buyer_chat.expect(f"оплата бота @{bot}", wait=WATCHES_BACK_WITHIN)
    assert "Через 7 дн." in (warning.text or "")
