"""Two provisioners racing for one payment (JetStream redelivers, replicas compete): real
Postgres registry, real NATS KV directory and JetStream events, a Bot API stand-in that records
what it is asked. However many times and however concurrently the event arrives, there is one
tenant, one schema, one applied payment and one `tenant.provisioned` event in the outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from nats.js import JetStreamContext

from devstack.infra import LocalInfra
from services.provisioner.adapters.announcements_pg import PgAnnouncements
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.ports import TenantRecord
from services.provisioner.use_cases import Provisioning
from shared.bus import Publisher, ensure_streams, make_broker, tenants_bucket
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.messages import PaymentSucceeded, Signup, TenantConfig, decode
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.outbox import migrate_outbox
from shared.settings import Secret
from shared.subjects import tenant_event
from shared.tenants import TenantDirectory
from tests.conftest import RUN_ID

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_MIGRATIONS = Path("services/provisioner/migrations")
SEALER = Sealer(Secret("provisioning-race-test-secret-0123456789"))
BOT_TOKEN = "123456:race-test-token"


@dataclass
class RecordingBots:
    """Stands in for the Bot API setup (webhook, menu): records each call."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    async def configure(self, tenant: TenantRecord, token: Secret) -> None:
        self.calls.append((tenant.tenant_id, token.reveal()))

    async def decorate(self, tenant: TenantRecord, token: Secret) -> None:
        pass


@dataclass
class Provisioners:
    """Two replicas of the provisioner, each with its own pool and bus connection."""

    replicas: list[Provisioning]
    bots: list[RecordingBots]
    pool: asyncpg.Pool
    js: JetStreamContext

    async def all_at_once(self, event: PaymentSucceeded, times: int) -> None:
        replicas = [self.replicas[i % len(self.replicas)] for i in range(times)]
        await asyncio.gather(*(replica.on_payment(event) for replica in replicas))

    @property
    def configured(self) -> list[tuple[str, str]]:
        return [call for bots in self.bots for call in bots.calls]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def provisioners(infra: LocalInfra, test_database_url: str) -> AsyncIterator[Provisioners]:
    pools: list[asyncpg.Pool] = []
    brokers = []
    replicas, recorders = [], []
    try:
        for _ in range(2):
            pool = await asyncpg.create_pool(test_database_url, min_size=1, max_size=8)
            assert pool is not None
            pools.append(pool)
            broker = make_broker(infra.nats_url, f"provisioner-race-{RUN_ID}")
            brokers.append(broker)
            await broker.connect()
            js = broker.connection.jetstream()
            await ensure_streams(js)
            await ensure_extensions(pool)
            await migrate_schema(pool, "platform", load_migrations(PLATFORM_MIGRATIONS))
            await migrate_outbox(pool)
            bots = RecordingBots()
            recorders.append(bots)
            replicas.append(
                Provisioning(
                    registry=PgTenantRegistry(pool, shared_migrations("tenant")),
                    bots=bots,
                    directory=TenantDirectory(await tenants_bucket(js)),
                    announcements=PgAnnouncements(pool),
                    events=Publisher(broker),
                    sealer=SEALER,
                    clock=SystemClock(),
                    delivery="webhook",
                )
            )
        yield Provisioners(replicas, recorders, pools[0], brokers[0].connection.jetstream())
    finally:
        for broker in brokers:
            await broker.stop()
        for pool in pools:
            await pool.close()


def new_business() -> PaymentSucceeded:
    bot_id = 700_000_000 + uuid.uuid4().int % 100_000_000
    signup = Signup(
        signup_id=uuid.uuid4().hex,
        business_name="Салон «Гонка»",
        timezone="Europe/Moscow",
        buyer_chat_id=bot_id + 1,
        owner_chat_id=bot_id + 1,
        bot_id=bot_id,
        bot_username=f"race_{RUN_ID}_{uuid.uuid4().hex[:6]}_bot",
        bot_token_sealed=SEALER.seal(BOT_TOKEN),
    )
    return payment(signup=signup)


def payment(*, signup: Signup | None = None, tenant_id: str | None = None) -> PaymentSucceeded:
    return PaymentSucceeded(
        payment_id=str(uuid.uuid4()),
        purpose="new" if signup else "renewal",
        plan_code="m1",
        period_days=30,
        amount_kopecks=29900,
        currency="RUB",
        paid_at=datetime.now(UTC),
        signup=signup,
        tenant_id=tenant_id,
    )


async def provisioned_events(pool: asyncpg.Pool, tenant_id: str) -> int:
    """How many `tenant.provisioned.<tenant>` events were written to the outbox."""
    subject = tenant_event("provisioned", tenant_id)
    return int(
        await pool.fetchval("SELECT count(*) FROM outbox.events WHERE subject = $1", subject)
    )


async def registry_state(pool: asyncpg.Pool, bot_id: int) -> asyncpg.Record:
    row = await pool.fetchrow(
        "SELECT count(*) AS tenants, min(t.tenant_id) AS tenant_id,"
        " min(t.paid_until) AS paid_until,"
        " (SELECT count(*) FROM pg_namespace WHERE nspname = 't_' || min(t.tenant_id))"
        "   AS schemas"
        " FROM platform.tenants t WHERE t.bot_id = $1",
        bot_id,
    )
    assert row is not None
    return row


async def applied(pool: asyncpg.Pool, payment_id: str) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM platform.applied_payments WHERE payment_id = $1", payment_id
        )
    )


async def test_two_provisioners_racing_for_one_payment_make_one_tenant(
    provisioners: Provisioners,
) -> None:
    event = new_business()
    assert event.signup is not None
    await provisioners.all_at_once(event, times=2)

    state = await registry_state(provisioners.pool, event.signup.bot_id)
    assert (state["tenants"], state["schemas"]) == (1, 1)
    assert await applied(provisioners.pool, event.payment_id) == 1
    tenant_id = state["tenant_id"]
    business = await provisioners.pool.fetch(f'SELECT name FROM "t_{tenant_id}".business')
    assert [r["name"] for r in business] == ["Салон «Гонка»"]
    owners = await provisioners.pool.fetchval(
        f"SELECT count(*) FROM \"t_{tenant_id}\".staff_members WHERE role = 'owner'"
    )
    assert owners == 1
    # The steps after the registry repeat (each is idempotent), the announcement is stored once.
    assert await provisioned_events(provisioners.pool, tenant_id) == 1
    assert set(provisioners.configured) == {(tenant_id, BOT_TOKEN)}
    entry = await (await tenants_bucket(provisioners.js)).get(tenant_id)
    assert entry.value is not None
    assert decode(TenantConfig, entry.value).status == "active"


async def test_the_same_payment_five_times_at_once_makes_one_tenant(
    provisioners: Provisioners,
) -> None:
    event = new_business()
    assert event.signup is not None
    await provisioners.all_at_once(event, times=5)
    await provisioners.all_at_once(event, times=1)  # and once more, later

    state = await registry_state(provisioners.pool, event.signup.bot_id)
    assert (state["tenants"], state["schemas"]) == (1, 1)
    assert await applied(provisioners.pool, event.payment_id) == 1
    assert await provisioned_events(provisioners.pool, state["tenant_id"]) == 1
    paid_until = state["paid_until"]
    assert abs(paid_until - (event.paid_at + timedelta(days=30))) < timedelta(minutes=1)


async def test_a_renewal_applied_twice_at_once_extends_once(provisioners: Provisioners) -> None:
    event = new_business()
    assert event.signup is not None
    await provisioners.all_at_once(event, times=1)
    before = await registry_state(provisioners.pool, event.signup.bot_id)

    renewal = payment(tenant_id=before["tenant_id"])
    await provisioners.all_at_once(renewal, times=2)
    await provisioners.all_at_once(renewal, times=3)

    after = await registry_state(provisioners.pool, event.signup.bot_id)
    assert after["paid_until"] == before["paid_until"] + timedelta(days=30)
    assert await applied(provisioners.pool, renewal.payment_id) == 1
    renewals = await provisioners.pool.fetchval(
        "SELECT count(*) FROM platform.audit_log WHERE tenant_id = $1 AND action = 'renew'",
        before["tenant_id"],
    )
    assert renewals == 1
