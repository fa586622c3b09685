"""The owner's new time zone reaches the registry and the `tenants` directory: the
provisioner's `Rezoning` on the real platform schema, with the directory recorded. The newest
change wins (a redelivered or late older one leaves the zone as it is), a deleted or unknown
tenant is left alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from devstack.infra import LocalInfra
from services.provisioner.adapters.zones_pg import PgZones
from services.provisioner.subscribers import rezoning_router
from services.provisioner.use_cases.rezoning import Rezoning
from shared.bus import Publisher, RetryPolicy, ensure_consumers, make_broker, open_bus
from shared.messages import BusinessRezoned, TenantConfig
from shared.metrics import Metrics
from shared.subjects import PROVISIONER_REZONED, booking_event
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

AT = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)


class Recorded:
    def __init__(self) -> None:
        self.configs: list[TenantConfig] = []

    async def put(self, config: TenantConfig) -> None:
        self.configs.append(config)


async def registered(pool: asyncpg.Pool, *, status: str = "active") -> str:
    tenant_id = f"rz_{uuid.uuid4().hex[:12]}"
    await pool.execute(
        "INSERT INTO platform.tenants (tenant_id, signup_id, business_name, timezone,"
        " owner_chat_id, buyer_chat_id, bot_id, bot_username, bot_token_sealed, delivery,"
        " status, plan_code, paid_until)"
        " VALUES ($1, $1, 'Салон', 'Europe/Moscow', 1, 1,"
        " (random() * 1e12)::bigint, $1, 'sealed', 'polling', $2, 'month', $3)",
        tenant_id,
        status,
        AT + timedelta(days=30),
    )
    return tenant_id


def rezoned(tenant_id: str, old: str, new: str, minutes: int) -> BusinessRezoned:
    return BusinessRezoned(
        tenant_id=tenant_id,
        old_timezone=old,
        timezone=new,
        changed_at=AT + timedelta(minutes=minutes),
    )


async def zone_of(pool: asyncpg.Pool, tenant_id: str) -> tuple[str, int, int]:
    row = await pool.fetchrow(
        "SELECT timezone, version, directory_version FROM platform.tenants WHERE tenant_id = $1",
        tenant_id,
    )
    return row["timezone"], row["version"], row["directory_version"]


async def test_the_registry_and_directory_follow_the_newest_zone(pg_pool: asyncpg.Pool) -> None:
    tenant_id = await registered(pg_pool)
    directory = Recorded()
    rezoning = Rezoning(store=PgZones(pg_pool), directory=directory)

    assert await rezoning.on_rezoned(rezoned(tenant_id, "Europe/Moscow", "Asia/Omsk", 1))
    zone, version, synced = await zone_of(pg_pool, tenant_id)
    assert zone == "Asia/Omsk"
    assert synced == version  # the directory is not behind
    assert [c.timezone for c in directory.configs] == ["Asia/Omsk"]
    assert directory.configs[0].tenant_id == tenant_id

    newer = rezoned(tenant_id, "Asia/Omsk", "Asia/Irkutsk", 5)
    assert await rezoning.on_rezoned(newer)
    assert await rezoning.on_rezoned(newer)  # redelivered: written again, same zone
    late = rezoned(tenant_id, "Europe/Moscow", "Asia/Omsk", 1)
    assert not await rezoning.on_rezoned(late)  # older than what is recorded
    assert (await zone_of(pg_pool, tenant_id))[0] == "Asia/Irkutsk"
    assert [c.timezone for c in directory.configs] == ["Asia/Omsk", "Asia/Irkutsk", "Asia/Irkutsk"]


async def test_a_deleted_or_unknown_tenant_is_left_alone(pg_pool: asyncpg.Pool) -> None:
    gone = await registered(pg_pool, status="deleted")
    directory = Recorded()
    rezoning = Rezoning(store=PgZones(pg_pool), directory=directory)
    assert not await rezoning.on_rezoned(rezoned(gone, "Europe/Moscow", "Asia/Omsk", 1))
    assert not await rezoning.on_rezoned(rezoned("rz_nobody", "Europe/Moscow", "Asia/Omsk", 1))
    assert (await zone_of(pg_pool, gone))[0] == "Europe/Moscow"
    assert directory.configs == []


async def test_booking_rezoned_on_the_bus_reaches_the_registry(pg_pool: asyncpg.Pool) -> None:
    """Through the provisioner's real subscriber and durable on a NATS of its own: the event
    booking publishes (`booking.rezoned.<t>`) changes the registry."""
    tenant_id = await registered(pg_pool)
    directory = Recorded()
    own = LocalInfra()
    own.start_nats()
    broker = make_broker(own.nats_url, "provisioner")
    try:
        js = await open_bus(broker)
        policy = RetryPolicy.lasting()
        await ensure_consumers(js, [(PROVISIONER_REZONED, policy)])
        rezoning = Rezoning(store=PgZones(pg_pool), directory=directory)
        publisher = Publisher(broker)
        broker.include_router(rezoning_router(rezoning, publisher, Metrics("provisioner"), policy))
        await broker.start()
        event = rezoned(tenant_id, "Europe/Moscow", "Asia/Yakutsk", 1)
        await publisher.publish(
            booking_event("rezoned", tenant_id), event, msg_id=f"rz:{tenant_id}"
        )

        async def moved() -> bool:
            return (await zone_of(pg_pool, tenant_id))[0] == "Asia/Yakutsk"

        await until(moved, 10, "the registry's zone")
        assert [c.timezone for c in directory.configs] == ["Asia/Yakutsk"]
    finally:
        await broker.stop()
        own.close()
