"""A paid business goes live through outages: the provisioner's consumer retries a payment
far past the old budget (six deliveries, about three minutes), across a NATS restart, and a
failing bot menu does not hold back going live. Real Postgres, a private NATS, the Telegram
emulator (failures injected per Bot API method)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from sandbox.telegram.testing import running_sandbox
from services.provisioner.adapters.announcements_pg import PgAnnouncements
from services.provisioner.adapters.bot_setup import TelegramBotSetup
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.subscribers import provisioning_router
from services.provisioner.use_cases import Provisioning
from shared.bus import Publisher, RetryPolicy, make_broker, open_bus, tenants_bucket
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.messages import PaymentSucceeded, Signup, TenantConfig, decode, encode
from shared.metrics import Metrics
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.outbox import Relay, migrate_outbox
from shared.settings import Secret, TelegramSettings
from shared.subjects import (
    PAYMENT_SUCCEEDED,
    PROVISIONER_PAYMENTS,
    STREAM_DLQ,
    STREAM_TENANT,
    dead_letter,
    setup_bot,
    tenant_event,
)
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory
from tests.conftest import RUN_ID
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_MIGRATIONS = Path("services/provisioner/migrations")
SEALER = Sealer(Secret("provisioning-resilience-test-secret-012345"))
OLD_MAX_DELIVER = 6  # the provisioner's budget before: RetryPolicy() gave up after 6
# The production policy for payments, with its spacing shortened so the test takes seconds:
# the number of deliveries (the budget) is the production one.
QUICK = dataclasses.replace(
    RetryPolicy.lasting(), backoff_seconds=(0.05, 0.1, 0.2), ack_wait_seconds=3.0
)


@dataclass
class Live:
    nats: LocalInfra
    broker: NatsBroker
    js: JetStreamContext
    telegram: TelegramSandboxClient
    pool: asyncpg.Pool

    async def new_bot(self) -> SandboxBot:
        return await self.telegram.create_bot(f"live_{RUN_ID}_{uuid.uuid4().hex[:6]}_bot")

    async def pay(self, bot: SandboxBot) -> PaymentSucceeded:
        signup = Signup(
            signup_id=uuid.uuid4().hex,
            business_name="Салон «Выдержка»",
            timezone="Europe/Moscow",
            buyer_chat_id=bot.id + 1,
            owner_chat_id=bot.id + 1,
            bot_id=bot.id,
            bot_username=bot.username,
            bot_token_sealed=SEALER.seal(bot.token),
        )
        event = PaymentSucceeded(
            payment_id=str(uuid.uuid4()),
            purpose="new",
            plan_code="m1",
            period_days=30,
            amount_kopecks=29900,
            currency="RUB",
            paid_at=datetime.now(UTC),
            signup=signup,
        )
        await self.js.publish(
            PAYMENT_SUCCEEDED, encode(event), headers={"Nats-Msg-Id": event.payment_id}
        )
        return event

    async def tenant_of(self, bot: SandboxBot) -> str:
        tenant_id = await self.pool.fetchval(
            "SELECT tenant_id FROM platform.tenants WHERE bot_id = $1", bot.id
        )
        assert isinstance(tenant_id, str)
        return tenant_id

    async def stored(self, stream: str, subject: str) -> int:
        info = await self.js.stream_info(stream, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())

    async def announced(self, bot: SandboxBot, timeout: float) -> str:
        """Wait for `tenant.provisioned.<t>` of this bot (what tells the buyer "your bot is
        live"); returns the tenant id."""
        sub = await self.js.subscribe(
            "tenant.provisioned.*", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        try:
            async with asyncio.timeout(timeout):
                while True:
                    msg = await sub.next_msg(timeout=timeout)
                    if f'"bot_username":"{bot.username}"' in msg.data.decode():
                        return msg.subject.rsplit(".", 1)[-1]
        finally:
            await sub.unsubscribe()

    async def methods(self, bot: SandboxBot) -> list[str]:
        return [item.method.lower() for item in await self.telegram.sent(bot)]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def live(test_database_url: str) -> AsyncIterator[Live]:
    own = LocalInfra()
    own.start_nats()
    pool = await asyncpg.create_pool(test_database_url, min_size=1, max_size=8)
    assert pool is not None
    await ensure_extensions(pool)
    await migrate_schema(pool, "platform", load_migrations(PLATFORM_MIGRATIONS))
    await migrate_outbox(pool)
    broker = make_broker(own.nats_url, "provisioner")
    try:
        async with (
            running_sandbox(flood_limits=False) as base_url,
            TelegramSandboxClient(base_url) as telegram,
        ):
            js = await open_bus(broker)
            bots = Bots(make_session(TelegramSettings(api_base=base_url)))
            publisher = Publisher(broker)
            provisioning = Provisioning(
                registry=PgTenantRegistry(pool, shared_migrations("tenant")),
                bots=TelegramBotSetup(bots, SEALER, gateway_public_url=None),
                directory=TenantDirectory(await tenants_bucket(js)),
                announcements=PgAnnouncements(pool),
                events=publisher,
                sealer=SEALER,
                clock=SystemClock(),
                delivery="polling",
            )
            broker.include_router(
                provisioning_router(
                    provisioning, publisher, Metrics("provisioner"), QUICK, concurrency=2
                )
            )
            await broker.start()
            # tenant.provisioned leaves through the outbox: its relay runs as in the service
            relay = asyncio.create_task(Relay(pool, publisher, stream=STREAM_TENANT).run())
            try:
                yield Live(own, broker, js, telegram, pool)
            finally:
                relay.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay
                await broker.stop()
                await bots.close()
    finally:
        await pool.close()
        own.close()


async def test_a_payment_outlasts_a_long_bot_api_outage_and_a_nats_restart(live: Live) -> None:
    bot = await live.new_bot()
    failures = 3 * OLD_MAX_DELIVER  # the bot's webhook cannot be set up 18 times in a row
    await live.telegram.inject_fault(bot, "deleteWebhook", times=failures)
    await live.pay(bot)
    # An outage of NATS itself in the middle of the retries.
    await until(
        lambda: _attempts_made(live, bot, failures, at_least=OLD_MAX_DELIVER // 2),
        30,
        "the first failed deliveries",
    )
    live.nats.stop_nats()
    await until(_disconnected(live), 10, "the provisioner to notice NATS is gone")
    live.nats.restart_nats()

    tenant_id = await live.announced(bot, timeout=60)

    info = await live.js.consumer_info(
        PROVISIONER_PAYMENTS.stream.name, PROVISIONER_PAYMENTS.durable
    )
    assert info.config.max_deliver == RetryPolicy.lasting().max_deliver >= 10_000
    # Every injected failure was met by a delivery, then one more went through.
    assert "deletewebhook" in await live.methods(bot)
    assert await _faults_left(live, bot) == 0
    assert info.delivered.consumer_seq is not None
    assert info.delivered.consumer_seq > failures > OLD_MAX_DELIVER
    assert await live.stored(STREAM_DLQ.name, dead_letter("provisioner")) == 0
    assert await live.stored("TENANT", tenant_event("provisioned", tenant_id)) == 1
    entry = await (await tenants_bucket(live.js)).get(tenant_id)
    assert entry.value is not None
    assert decode(TenantConfig, entry.value).status == "active"


async def test_a_failing_bot_menu_does_not_hold_back_going_live(live: Live) -> None:
    bot = await live.new_bot()
    await live.telegram.inject_fault(bot, "setMyCommands")  # until cleared

    await live.pay(bot)
    tenant_id = await live.announced(bot, timeout=30)  # the buyer is told the bot is live
    assert tenant_id == await live.tenant_of(bot)
    assert "setmycommands" not in await live.methods(bot)
    assert await live.stored("SETUP", setup_bot(tenant_id)) == 1

    await live.telegram.clear_fault(bot, "setMyCommands")

    async def menu_set() -> bool:
        return "setmycommands" in await live.methods(bot)

    await until(menu_set, 30, "the menu to be set on its own")
    assert "setmydescription" in await live.methods(bot)
    assert await live.stored("TENANT", tenant_event("provisioned", tenant_id)) == 1
    assert await live.stored(STREAM_DLQ.name, dead_letter("provisioner")) == 0


async def _faults_left(live: Live, bot: SandboxBot) -> int:
    faults = await live.telegram.faults(bot)
    return faults.get("deletewebhook", 0)


async def _attempts_made(live: Live, bot: SandboxBot, failures: int, *, at_least: int) -> bool:
    left = await _faults_left(live, bot)
    return failures - left >= at_least


def _disconnected(live: Live) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return not live.broker.connection.is_connected

    return check
