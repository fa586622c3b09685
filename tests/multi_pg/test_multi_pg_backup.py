"""The operator's tenant backup for a tenant that lives on the second Postgres server, run as
`python -m services.provisioner.cli` processes with the provisioner's login and its
DATABASE_SERVERS: `backup` reads the tenant's schema on that server (its platform and notifier
rows on the main one), and after its services and bookings are deleted by mistake `restore`
puts them back on that same server, where the customer's «My bookings» finds the booking."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from devstack.infra import LocalInfra
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.ports import Payment
from shared.db import tenant_schema, tenant_tx
from shared.db_servers import ServerPools
from shared.messages import Signup
from shared.migrate import shared_migrations
from shared.settings import Secret
from tests.conftest import _migrate_as_owners
from tests.integration.test_backup_tenant import CUSTOMER, VISIT, book, upcoming
from tests.multi_pg.conftest import SECOND, Servers

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture(loop_scope="session")
async def pools(servers: Servers) -> AsyncIterator[ServerPools]:
    """The provisioner's pools: main, and the second server by its name."""
    await _migrate_as_owners(servers.main_logins)  # as the services do on start
    main = await asyncpg.create_pool(servers.main_logins["provisioner"], min_size=1, max_size=2)
    found = ServerPools(main, {SECOND: Secret(servers.second_logins["provisioner"])})
    yield found
    await found.close()
    await main.close()


async def on_second_server(pools: ServerPools) -> str:
    """A tenant made as a purchase makes one, placed by least tenants until it lands on pg2."""
    registry = PgTenantRegistry(pools.main, shared_migrations("tenant"), pools)
    for _ in range(3):
        applied = await registry.create_tenant(
            signup=Signup(
                signup_id=uuid.uuid4().hex,
                business_name="Салон Второй",
                timezone="Europe/Moscow",
                buyer_chat_id=5561,
                owner_chat_id=5561,
                bot_id=int.from_bytes(secrets.token_bytes(5), "big"),
                bot_username=f"bk{uuid.uuid4().hex[:10]}_bot",
                bot_token_sealed="sealed-elsewhere",
            ),
            payment=Payment(
                payment_id=f"test:{uuid.uuid4().hex}",
                kind="new",
                plan_code="plan",
                period_days=30,
                amount_kopecks=290_000,
            ),
            delivery="polling",
            now=datetime.now(UTC),
        )
        if applied.tenant.db_server == SECOND:
            return applied.tenant.tenant_id
    raise AssertionError("no tenant was placed on the second server")


async def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.provisioner.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_tenant_on_the_second_server_is_backed_up_and_restored_there(
    multi_infra: LocalInfra, servers: Servers, pools: ServerPools, tmp_path: Path
) -> None:
    tenant = await on_second_server(pools)
    second = await pools.pool(SECOND)
    async with tenant_tx(second, tenant) as conn:  # a catalogue on the tenant's server
        master = await conn.fetchval("INSERT INTO masters (name) VALUES ('Ольга') RETURNING id")
        service = await conn.fetchval(
            "INSERT INTO services (name, duration_min) VALUES ('Стрижка', 60) RETURNING id"
        )
        await conn.execute("INSERT INTO master_services VALUES ($1, $2)", master, service)
    booking = await asyncpg.create_pool(servers.second_logins["booking"], min_size=1, max_size=2)
    try:
        await book(booking, tenant, CUSTOMER, VISIT)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "NATS_URL": multi_infra.nats_url,
            "DATABASE_URL": servers.main_logins["provisioner"],
            "DATABASE_SERVERS": f"{SECOND}={servers.second_logins['provisioner']}",
            "PLATFORM_SECRET": secrets.token_urlsafe(48),
            "BACKUP_DIR": str(tmp_path / "backups"),
            "BACKUP_KEY": secrets.token_urlsafe(32),
        }
        code, out, err = await cli(env, "backup", tenant, "--json")
        assert code == 0, err
        made = json.loads(out)
        assert (made["tenant_id"], made["encrypted"]) == (tenant, True)
        code, out, err = await cli(env, "backups", tenant, "--json")
        assert [b["name"] for b in json.loads(out)] == [made["name"]], err

        async with tenant_tx(booking, tenant) as conn:  # the mistake
            await conn.execute("DELETE FROM booking_history; DELETE FROM bookings")
            await conn.execute("DELETE FROM master_services; DELETE FROM services")
        assert await upcoming(booking, tenant, CUSTOMER) == []

        code, out, err = await cli(env, "restore", made["name"], "--yes")
        assert code == 0, err
        assert "1 bookings" in out
        assert await upcoming(booking, tenant, CUSTOMER) == [("Стрижка", VISIT)]
    finally:
        await booking.close()
    there = await pools.main.fetchval(
        "SELECT db_server FROM platform.tenants WHERE tenant_id = $1", tenant
    )
    assert there == SECOND  # restored where it lives, nothing made on the main server
    assert not await pools.main.fetchval(
        "SELECT to_regnamespace($1) IS NOT NULL", tenant_schema(tenant)
    )
