"""The provisioner's side of payments that cannot be gamed, on real Postgres, NATS JetStream
and the `tenants` KV bucket: a refund takes back the refunded share of the period (or suspends
the tenant), once per refund; a second payment on a signup renews its tenant; a deleted
tenant's bot bought again is a fresh tenant."""

from __future__ import annotations

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
from services.provisioner.adapters.refunds_pg import PgRefunds
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.ports import TenantRecord
from services.provisioner.use_cases import PaymentNotApplied, Provisioning, Refunds
from shared.bus import Publisher, ensure_streams, make_broker, tenants_bucket
from shared.clock import OffsetClock
from shared.crypto import Sealer
from shared.messages import (
    PaymentSucceeded,
    RefundSucceeded,
    Signup,
    TenantConfig,
    TenantRefunded,
    TenantRenewed,
    TenantSuspended,
    TrialStarted,
    decode,
)
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.settings import Secret
from shared.subjects import STREAM_TENANT, tenant_event
from shared.tenants import TenantDirectory
from tests.conftest import RUN_ID

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_MIGRATIONS = Path("services/provisioner/migrations")
SEALER = Sealer(Secret("refunds-test-secret-0123456789-abcdef"))
DAY = timedelta(days=1)
SLACK = timedelta(seconds=5)


@dataclass
class NoBots:
    configured: list[str] = field(default_factory=list)

    async def configure(self, tenant: TenantRecord, token: Secret) -> None:
        del token
        self.configured.append(tenant.tenant_id)

    async def decorate(self, tenant: TenantRecord, token: Secret) -> None:
        del tenant, token


@dataclass
class World:
    provisioning: Provisioning
    refunds: Refunds
    registry: PgTenantRegistry
    pool: asyncpg.Pool
    js: JetStreamContext
    clock: OffsetClock

    async def tenant(self, tenant_id: str) -> TenantRecord:
        record = await self.registry.get(tenant_id)
        assert record is not None
        return record

    async def directory(self, tenant_id: str) -> TenantConfig:
        entry = await (await tenants_bucket(self.js)).get(tenant_id)
        assert entry.value is not None
        return decode(TenantConfig, entry.value)

    # Lifecycle changes that follow a registry change are written to the outbox (no relay runs
    # here); the refund's own announcements are published straight to the stream.
    async def events(self, kind: str, tenant_id: str) -> int:
        subject = tenant_event(kind, tenant_id)
        info = await self.js.stream_info(STREAM_TENANT.name, subjects_filter=subject)
        on_stream = (info.state.subjects or {}).get(subject, 0)
        in_outbox = await self.pool.fetchval(
            "SELECT count(*) FROM outbox.events WHERE subject = $1", subject
        )
        return int(on_stream) + int(in_outbox)

    async def last_event(self, kind: str, tenant_id: str) -> bytes:
        subject = tenant_event(kind, tenant_id)
        queued = await self.pool.fetchval(
            "SELECT payload FROM outbox.events WHERE subject = $1 ORDER BY id DESC LIMIT 1",
            subject,
        )
        if queued is not None:
            return bytes(queued)
        message = await self.js.get_last_msg(STREAM_TENANT.name, subject)
        return bytes(message.data or b"")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(infra: LocalInfra, test_database_url: str) -> AsyncIterator[World]:
    pool = await asyncpg.create_pool(test_database_url, min_size=1, max_size=6)
    assert pool is not None
    broker = make_broker(infra.nats_url, f"refunds-{RUN_ID}")
    await broker.connect()
    try:
        js = broker.connection.jetstream()
        await ensure_streams(js)
        await ensure_extensions(pool)
        await migrate_schema(pool, "platform", load_migrations(PLATFORM_MIGRATIONS))
        directory = TenantDirectory(await tenants_bucket(js))
        registry = PgTenantRegistry(pool, shared_migrations("tenant"))
        clock = OffsetClock()
        events = Publisher(broker)
        yield World(
            provisioning=Provisioning(
                registry=registry,
                bots=NoBots(),
                directory=directory,
                announcements=PgAnnouncements(pool),
                events=events,
                sealer=SEALER,
                clock=clock,
                delivery="webhook",
            ),
            refunds=Refunds(store=PgRefunds(pool), directory=directory, events=events, clock=clock),
            registry=registry,
            pool=pool,
            js=js,
            clock=clock,
        )
    finally:
        await broker.stop()
        await pool.close()


def new_signup(bot_id: int | None = None, username: str | None = None) -> Signup:
    bot_id = bot_id or 600_000_000 + uuid.uuid4().int % 100_000_000
    return Signup(
        signup_id=uuid.uuid4().hex,
        business_name="Салон «Возврат»",
        timezone="Europe/Moscow",
        buyer_chat_id=bot_id + 1,
        owner_chat_id=bot_id + 1,
        bot_id=bot_id,
        bot_username=username or f"refund_{RUN_ID}_{uuid.uuid4().hex[:6]}_bot",
        bot_token_sealed=SEALER.seal("123456:refund-test-token"),
    )


def paid(signup: Signup, *, days: int = 30, kopecks: int = 29900) -> PaymentSucceeded:
    return PaymentSucceeded(
        payment_id=str(uuid.uuid4()),
        purpose="new",
        plan_code=f"d{days}",
        period_days=days,
        amount_kopecks=kopecks,
        currency="RUB",
        paid_at=datetime.now(UTC),
        signup=signup,
    )


def refund(payment: PaymentSucceeded, kopecks: int) -> RefundSucceeded:
    return RefundSucceeded(
        refund_id=str(uuid.uuid4()),
        payment_id=payment.payment_id,
        amount_kopecks=kopecks,
        paid_kopecks=payment.amount_kopecks,
        period_days=payment.period_days,
    )


async def test_half_a_refund_takes_back_half_the_period_once(world: World) -> None:
    payment = paid(new_signup())
    tenant_id = (await world.provisioning.on_payment(payment)).tenant.tenant_id
    before = (await world.tenant(tenant_id)).paid_until

    half = refund(payment, 14950)
    applied = await world.refunds.on_refund(half)
    assert applied.fresh
    assert applied.removed == 15 * DAY
    after = await world.tenant(tenant_id)
    assert after.paid_until == before - 15 * DAY
    assert after.status == "active"
    assert (await world.directory(tenant_id)).paid_until == after.paid_until
    event = decode(TenantRefunded, await world.last_event("refunded", tenant_id))
    assert (event.refund_id, event.days_removed, event.suspended) == (half.refund_id, 15, False)
    assert event.paid_until == after.paid_until

    # Delivered again (JetStream redelivery, a replica): nothing more is taken back.
    again = await world.refunds.on_refund(half)
    assert not again.fresh
    assert (await world.tenant(tenant_id)).paid_until == after.paid_until
    assert await world.events("refunded", tenant_id) == 1
    assert await world.events("suspended", tenant_id) == 0


async def test_refunding_the_current_payment_in_full_suspends(world: World) -> None:
    payment = paid(new_signup())
    tenant_id = (await world.provisioning.on_payment(payment)).tenant.tenant_id
    await world.refunds.on_refund(refund(payment, 10000))
    assert (await world.tenant(tenant_id)).status == "active"

    rest = refund(payment, 19900)
    applied = await world.refunds.on_refund(rest)
    assert applied.suspended
    tenant = await world.tenant(tenant_id)
    assert tenant.status == "suspended"
    assert abs(tenant.paid_until - world.clock.now()) < SLACK  # never below now
    assert (await world.directory(tenant_id)).status == "suspended"
    suspended = decode(TenantSuspended, await world.last_event("suspended", tenant_id))
    assert suspended.reason == "refunded"
    await world.refunds.on_refund(rest)
    assert await world.events("suspended", tenant_id) == 1

    # A renewal brings it back as any suspended tenant.
    renewal = PaymentSucceeded(
        payment_id=str(uuid.uuid4()),
        purpose="renewal",
        plan_code="m1",
        period_days=30,
        amount_kopecks=29900,
        currency="RUB",
        paid_at=datetime.now(UTC),
        tenant_id=tenant_id,
    )
    assert (await world.provisioning.on_payment(renewal)).reactivated


async def test_a_full_refund_of_an_earlier_payment_only_shortens(world: World) -> None:
    first = paid(new_signup())
    tenant_id = (await world.provisioning.on_payment(first)).tenant.tenant_id
    renewal = PaymentSucceeded(
        payment_id=str(uuid.uuid4()),
        purpose="renewal",
        plan_code="m1",
        period_days=30,
        amount_kopecks=29900,
        currency="RUB",
        paid_at=datetime.now(UTC),
        tenant_id=tenant_id,
    )
    await world.provisioning.on_payment(renewal)
    before = (await world.tenant(tenant_id)).paid_until

    applied = await world.refunds.on_refund(refund(first, 29900))
    assert not applied.suspended  # the renewal still pays for a period
    tenant = await world.tenant(tenant_id)
    assert (tenant.status, tenant.paid_until) == ("active", before - 30 * DAY)


async def test_a_refund_of_a_payment_not_applied_yet_is_retried(world: World) -> None:
    payment = paid(new_signup())
    with pytest.raises(PaymentNotApplied):
        await world.refunds.on_refund(refund(payment, 100))


async def test_a_second_paid_plan_link_renews_the_signups_tenant(world: World) -> None:
    signup = new_signup()
    first, second = paid(signup, days=30), paid(signup, days=90, kopecks=79900)
    created = await world.provisioning.on_payment(first)
    assert created.created
    tenant_id = created.tenant.tenant_id
    start = created.tenant.paid_until

    renewed = await world.provisioning.on_payment(second)
    assert (renewed.created, renewed.applied) == (False, True)
    assert renewed.tenant.tenant_id == tenant_id
    assert renewed.tenant.paid_until == start + 90 * DAY
    assert decode(TenantRenewed, await world.last_event("renewed", tenant_id)).paid_until == (
        start + 90 * DAY
    )
    # Both delivered again: the first goes live again (idempotent), nothing is added twice.
    await world.provisioning.on_payment(first)
    await world.provisioning.on_payment(second)
    assert (await world.tenant(tenant_id)).paid_until == start + 90 * DAY
    assert await world.events("renewed", tenant_id) == 1
    assert await world.events("provisioned", tenant_id) == 1


async def test_paying_after_a_trial_renews_the_trial_tenant(world: World) -> None:
    signup = new_signup()
    trial = await world.provisioning.on_trial(
        TrialStarted(signup=signup, period_days=7, started_at=datetime.now(UTC))
    )
    tenant_id = trial.tenant.tenant_id
    applied = await world.provisioning.on_payment(paid(signup, days=30))
    assert applied.tenant.tenant_id == tenant_id
    tenant = await world.tenant(tenant_id)
    assert tenant.paid_until == trial.tenant.paid_until + 30 * DAY
    assert not tenant.trial


async def test_a_deleted_tenants_bot_bought_again_is_a_fresh_tenant(world: World) -> None:
    first_signup = new_signup()
    old = (await world.provisioning.on_payment(paid(first_signup))).tenant
    await world.registry.set_status(old.tenant_id, "deleted", actor="test", reason="delete")

    again = new_signup(bot_id=first_signup.bot_id, username=first_signup.bot_username)
    applied = await world.provisioning.on_payment(paid(again))
    fresh = applied.tenant
    assert applied.created
    assert fresh.tenant_id != old.tenant_id
    assert (fresh.status, fresh.signup_id) == ("active", again.signup_id)
    assert (await world.tenant(old.tenant_id)).status == "deleted"
    assert await world.pool.fetchval(
        "SELECT to_regnamespace($1) IS NOT NULL", f"t_{fresh.tenant_id}"
    )
    found = await world.registry.find_by_bot(again.bot_id)
    assert found is not None
    assert found.tenant_id == fresh.tenant_id

    # And once more: a third tenant for the same bot gets a free id too.
    await world.registry.set_status(fresh.tenant_id, "deleted", actor="test", reason="delete")
    third = (
        await world.provisioning.on_payment(paid(new_signup(again.bot_id, again.bot_username)))
    ).tenant
    assert third.tenant_id not in {old.tenant_id, fresh.tenant_id}
