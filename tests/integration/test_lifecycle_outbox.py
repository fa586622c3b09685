"""Lifecycle announcements and the tenants KV survive a NATS failure at the worst moment:
real Postgres registry, real JetStream and KV, a Bot API stand-in that records its calls."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import msgspec
import nats
import pytest
import pytest_asyncio
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from devstack.infra import LocalInfra
from services.provisioner.adapters.announcements_pg import PgAnnouncements
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.ports import Payment, TenantRecord
from services.provisioner.use_cases import Lifecycle, Provisioning
from services.provisioner.use_cases.reconcile import Reconciler
from shared.bus import Publisher, make_broker, open_bus, tenants_bucket
from shared.crypto import Sealer
from shared.messages import Signup, TenantExpiring, TenantProvisioned, TenantSuspended
from shared.migrate import load_migrations, migrate_schema, shared_migrations
from shared.outbox import PublishFailed, Relay
from shared.settings import Secret
from shared.subjects import STREAM_TENANT, tenant_event
from shared.tenants import TenantDirectory
from tests.conftest import RUN_ID

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SEALER = Sealer(Secret("lifecycle-outbox-test-secret-0123456789"))


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


@dataclass
class RecordingBots:
    calls: list[str] = field(default_factory=list)

    async def configure(self, tenant: TenantRecord, token: Secret) -> None:  # noqa: ARG002
        self.calls.append(tenant.tenant_id)

    async def decorate(self, tenant: TenantRecord, token: Secret) -> None:
        del tenant, token


@dataclass
class World:
    pool: asyncpg.Pool
    broker: NatsBroker
    js: JetStreamContext
    registry: PgTenantRegistry
    directory: TenantDirectory
    clock: FixedClock
    bots: RecordingBots

    def lifecycle(self, directory: TenantDirectory | None = None) -> Lifecycle:
        return Lifecycle(
            registry=self.registry,
            directory=directory or self.directory,
            clock=self.clock,
            warn_days=(7, 3, 1),
            grace_days=3,
        )

    def provisioning(self) -> Provisioning:
        return Provisioning(
            registry=self.registry,
            bots=self.bots,
            directory=self.directory,
            announcements=PgAnnouncements(self.pool),
            events=Publisher(self.broker),
            sealer=SEALER,
            clock=self.clock,
            delivery="webhook",
        )

    def reconciler(self) -> Reconciler:
        return Reconciler(
            announcements=PgAnnouncements(self.pool),
            directory=self.directory,
            provisioning=self.provisioning(),
            settle=timedelta(0),
        )

    async def relay(self) -> None:
        await Relay(self.pool, Publisher(self.broker), stream=STREAM_TENANT).drain()

    async def created(self) -> TenantRecord:
        """A tenant committed in the registry and never taken further (a crash right after)."""
        bot_id = 800_000_000 + uuid.uuid4().int % 100_000_000
        signup = Signup(
            signup_id=uuid.uuid4().hex,
            business_name="Салон «Сбой»",
            timezone="Europe/Moscow",
            buyer_chat_id=bot_id + 1,
            owner_chat_id=bot_id + 1,
            bot_id=bot_id,
            bot_username=f"lc_{RUN_ID}_{uuid.uuid4().hex[:6]}_bot",
            bot_token_sealed=SEALER.seal("123456:lifecycle-test-token"),
        )
        payment = Payment(
            payment_id=str(uuid.uuid4()),
            kind="new",
            plan_code="m1",
            period_days=30,
            amount_kopecks=29900,
        )
        applied = await self.registry.create_tenant(
            signup=signup, payment=payment, delivery="webhook", now=self.clock.now()
        )
        return applied.tenant

    async def kv_status(self, tenant_id: str) -> str | None:
        self.directory.forget(tenant_id)
        config = await self.directory.get(tenant_id)
        return None if config is None else config.status

    async def registry_status(self, tenant_id: str) -> str:
        record = await self.registry.get(tenant_id)
        assert record is not None
        return record.status

    async def on_stream(self, kind: str, tenant_id: str) -> list[bytes]:
        subject = tenant_event(kind, tenant_id)
        info = await self.js.stream_info(STREAM_TENANT.name, subjects_filter=subject)
        if not (info.state.subjects or {}).get(subject):
            return []
        return [(await self.js.get_last_msg(STREAM_TENANT.name, subject)).data] * (
            info.state.subjects or {}
        )[subject]


@pytest_asyncio.fixture(loop_scope="session")
async def world(infra: LocalInfra, pg_pool: asyncpg.Pool) -> AsyncIterator[World]:
    await migrate_schema(
        pg_pool, "platform", load_migrations(Path("services/provisioner/migrations"))
    )
    broker = make_broker(infra.nats_url, f"lifecycle-outbox-{RUN_ID}")
    js = await open_bus(broker)
    yield World(
        pool=pg_pool,
        broker=broker,
        js=js,
        registry=PgTenantRegistry(pg_pool, shared_migrations("tenant")),
        directory=TenantDirectory(await tenants_bucket(js)),
        clock=FixedClock(datetime.now(UTC)),
        bots=RecordingBots(),
    )
    await broker.stop()


async def dead_directory(infra: LocalInfra) -> TenantDirectory:
    """A directory whose NATS connection has gone away."""
    connection = await nats.connect(infra.nats_url)
    kv = await tenants_bucket(connection.jetstream())
    await connection.close()
    return TenantDirectory(kv)


async def test_a_warning_during_a_nats_outage_is_announced_afterwards(world: World) -> None:
    tenant = await world.created()
    await world.provisioning().finish(tenant)
    world.clock.value = tenant.paid_until - timedelta(days=2)
    # NATS is away: nothing can be published while the sweep runs, and nothing is lost.
    report = await world.lifecycle().sweep()
    assert (tenant.tenant_id, 3) in report.warned
    assert await world.on_stream("expiring", tenant.tenant_id) == []
    again = await world.lifecycle().sweep()  # marked once: not warned twice
    assert (tenant.tenant_id, 3) not in again.warned
    offline = Publisher(make_broker("nats://127.0.0.1:1", "offline"))
    with pytest.raises(PublishFailed):  # the relay cannot reach NATS: the row stays
        await Relay(world.pool, offline, stream=STREAM_TENANT).drain()
    await world.relay()  # NATS is back
    (data,) = await world.on_stream("expiring", tenant.tenant_id)
    event = msgspec.json.decode(data, type=TenantExpiring)
    assert (event.days_left, event.paid_until) == (3, tenant.paid_until)


async def test_a_suspension_whose_kv_write_failed_is_reconciled(
    world: World, infra: LocalInfra
) -> None:
    tenant = await world.created()
    await world.provisioning().finish(tenant)
    assert await world.kv_status(tenant.tenant_id) == "active"
    world.clock.value = tenant.paid_until + timedelta(days=4)
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever a closed connection raises
        await world.lifecycle(await dead_directory(infra)).sweep()
    assert await world.registry_status(tenant.tenant_id) == "suspended"
    assert await world.kv_status(tenant.tenant_id) == "active"  # the gap today's code left

    done = await world.reconciler().run()
    assert tenant.tenant_id in done.directory
    assert await world.kv_status(tenant.tenant_id) == "suspended"
    await world.relay()
    (data,) = await world.on_stream("suspended", tenant.tenant_id)
    assert msgspec.json.decode(data, type=TenantSuspended).reason == "expired"
    assert tenant.tenant_id not in (await world.reconciler().run()).directory  # in line now


async def test_a_tenant_committed_but_never_announced_is_finished_by_the_sweep(
    world: World,
) -> None:
    tenant = await world.created()
    assert await world.kv_status(tenant.tenant_id) is None
    done = await world.reconciler().run()
    assert tenant.tenant_id in done.finished
    assert world.bots.calls.count(tenant.tenant_id) == 1  # webhook and menu set
    assert await world.kv_status(tenant.tenant_id) == "active"
    await world.relay()
    (data,) = await world.on_stream("provisioned", tenant.tenant_id)
    assert msgspec.json.decode(data, type=TenantProvisioned).bot_username == tenant.bot_username
    assert tenant.tenant_id not in (await world.reconciler().run()).finished  # once only
