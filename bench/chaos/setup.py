"""Before and after the faults: the businesses the customers book with, and quiescence.

`open_tenants` buys businesses through the real paid path (`devstack.demo.buy_business`) and
has each owner press /start in the new bot, so the owner alerts can reach them. `settle` waits
(bounded) until nothing is in flight: every durable consumer has nothing pending or unacked,
no delivery is mid-send or due, and no bot has updates waiting for its webhook.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import asyncpg
import httpx
import nats.errors
from nats.js import JetStreamContext

from bench.chaos.checks import table_exists
from bench.chaos.load import Tenant
from devstack.catalog import give_catalog_at
from devstack.demo import Endpoints, buy_business
from devstack.stack import SANDBOX_SHOP_ID, SANDBOX_SHOP_SECRET, Stack
from sandbox.telegram import TelegramSandboxClient
from shared.subjects import CONSUMERS

OPEN_WAIT = 60.0


async def open_tenants(stack: Stack, telegram: TelegramSandboxClient, count: int) -> list[Tenant]:
    cfg = stack.config
    assert stack.bots is not None
    endpoints = Endpoints(
        database_url=cfg.database_url,
        telegram_url=cfg.url("telegram"),
        yookassa_url=cfg.url("yookassa"),
        shop_id=SANDBOX_SHOP_ID,
        shop_secret=SANDBOX_SHOP_SECRET,
        platform_secret=cfg.platform_secret,
        sales_bot=stack.bots.sales_username,
    )
    tenants = []
    for number in range(count):
        buyer = random.randint(10**7, 9 * 10**7)
        bot = f"chaos_{uuid.uuid4().hex[:6]}_{number}_bot"
        await buy_business(
            endpoints, business_name=f"Салон «Хаос {number}»", bot_username=bot, buyer_chat_id=buyer
        )
        seen = 0
        while True:  # the sales bot's greeting first, then «Ваш бот @… запущен»
            found = await telegram.wait_for_message(
                stack.bots.sales_username, buyer, seen, OPEN_WAIT
            )
            seen = max(m.message_id for m in found)
            if any(f"@{bot}" in (m.text or "") for m in found):
                break
        conn = await asyncpg.connect(cfg.database_url)
        try:
            tenant_id = await conn.fetchval(
                "SELECT tenant_id FROM platform.tenants WHERE bot_username = $1", bot
            )
        finally:
            await conn.close()
        await give_catalog_at(cfg.database_url, str(tenant_id))  # new tenants start empty
        await telegram.send_text(bot, buyer, "/start", first_name="Анна")
        await telegram.wait_for_message(bot, buyer, 0, OPEN_WAIT)
        tenants.append(Tenant(tenant_id=str(tenant_id), bot=bot))
    return tenants


async def in_flight(js: JetStreamContext, pool: asyncpg.Pool, telegram_url: str) -> str:
    """What is still moving, in one line; empty when nothing is."""
    waiting: list[str] = []
    for spec in CONSUMERS:
        info = await js.consumer_info(spec.stream.name, spec.durable)
        if info.num_pending or info.num_ack_pending:
            waiting.append(
                f"{spec.durable} {info.num_pending} pending/{info.num_ack_pending} unacked"
            )
    busy = await pool.fetchval(
        "SELECT count(*) FROM notifier.deliveries WHERE status = 'sending'"
        # due now, being retried, or held back by the flood limits (an owner's chat takes one
        # message a second, so a burst of alerts drains over minutes); reminders and review
        # requests days ahead are not in flight
        " OR (status = 'pending' AND (due_at <= now() + interval '10 minutes' OR attempts > 0))"
        " OR lease_until > now()"
    )
    if busy:
        waiting.append(f"{busy} deliveries due, sending or waiting to be retried")
    if await table_exists(pool, "outbox.events"):
        unsent = await pool.fetchval("SELECT count(*) FROM outbox.events WHERE sent_at IS NULL")
        if unsent:
            waiting.append(f"{unsent} outbox rows unsent")
    async with httpx.AsyncClient(timeout=10) as http:
        bots = (await http.get(f"{telegram_url}/sandbox/bots")).json()
    backlog = sum(int(bot["pending_update_count"]) for bot in bots if bot["webhook_url"])
    if backlog:
        waiting.append(f"{backlog} updates waiting for a webhook")
    return ", ".join(waiting)


async def settle(js: JetStreamContext, pool: asyncpg.Pool, telegram_url: str, bound: float) -> str:
    """Wait until nothing is in flight, at most `bound` seconds; what still was, or ''."""
    deadline = time.monotonic() + bound
    while True:
        try:
            waiting = await in_flight(js, pool, telegram_url)
        except (OSError, asyncpg.PostgresError, httpx.HTTPError, nats.errors.Error) as error:
            waiting = f"stores not answering: {type(error).__name__}"
        if not waiting or time.monotonic() > deadline:
            return waiting
        await asyncio.sleep(1)  # polling the stores' counters: there is no event to wait on
