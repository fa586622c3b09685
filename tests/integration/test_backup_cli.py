"""The operator's backup commands, run as `python -m services.provisioner.cli` processes with
the provisioner's own login: back up (encrypted, 0600), list, restore after a mistake, refuse
a wrong key, and restore into another tenant made for a new bot, whose owner can run it."""

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
from shared.messages import Signup
from shared.migrate import shared_migrations
from tests.integration.test_backup_tenant import CUSTOMER, VISIT, book, upcoming

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def registry_pool(login_urls: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(login_urls["provisioner"], min_size=1, max_size=4)
    assert pool is not None
    yield pool
    await pool.close()


async def registered(pool: asyncpg.Pool, owner: int) -> str:
    """A tenant made by the registry as a purchase makes one, with a one-service catalogue."""
    bot_id = int.from_bytes(secrets.token_bytes(5), "big")
    applied = await PgTenantRegistry(pool, shared_migrations("tenant")).create_tenant(
        signup=Signup(
            signup_id=uuid.uuid4().hex,
            business_name="Салон Копия",
            timezone="Europe/Moscow",
            buyer_chat_id=owner,
            owner_chat_id=owner,
            bot_id=bot_id,
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
    tenant_id = applied.tenant.tenant_id
    async with tenant_tx(pool, tenant_id) as conn:
        await conn.execute("DELETE FROM master_services; DELETE FROM services; DELETE FROM breaks")
        await conn.execute("DELETE FROM working_hours; DELETE FROM masters")
        master = await conn.fetchval("INSERT INTO masters (name) VALUES ('Ольга') RETURNING id")
        service = await conn.fetchval(
            "INSERT INTO services (name, duration_min) VALUES ('Стрижка', 60) RETURNING id"
        )
        await conn.execute("INSERT INTO master_services VALUES ($1, $2)", master, service)
    return tenant_id


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
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_backup_list_restore_and_restore_into_another_tenant(
    infra: LocalInfra,
    login_urls: dict[str, str],
    registry_pool: asyncpg.Pool,
    booking_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NATS_URL": infra.nats_url,
        "DATABASE_URL": login_urls["provisioner"],
        "PLATFORM_SECRET": secrets.token_urlsafe(48),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_KEY": secrets.token_urlsafe(32),
    }
    tenant = await registered(registry_pool, owner=5551)
    await book(booking_pool, tenant, CUSTOMER, VISIT)

    code, out, err = await cli(env, "backup", tenant, "--json")
    assert code == 0, err
    made = json.loads(out)
    assert made["encrypted"] is True
    path = tmp_path / "backups" / made["name"]
    assert path.stat().st_mode & 0o777 == 0o600
    code, out, _ = await cli(env, "backups", tenant, "--json")
    assert [b["name"] for b in json.loads(out)] == [made["name"]]

    async with tenant_tx(booking_pool, tenant) as conn:  # the mistake
        await conn.execute("DELETE FROM booking_history; DELETE FROM bookings")
        await conn.execute("DELETE FROM master_services; DELETE FROM services")

    code, _, err = await cli(
        {**env, "BACKUP_KEY": secrets.token_urlsafe(32)}, "restore", made["name"], "--yes"
    )
    assert (code, err.strip()) == (
        2,
        "BACKUP_KEY does not open this backup (a different key, or a damaged file)",
    )
    assert await upcoming(booking_pool, tenant, CUSTOMER) == []
    code, _, err = await cli(env, "restore", made["name"])
    assert code == 2
    assert "--yes" in err

    code, out, err = await cli(env, "restore", made["name"], "--yes")
    assert code == 0, err
    assert "1 bookings" in out
    assert await upcoming(booking_pool, tenant, CUSTOMER) == [("Стрижка", VISIT)]

    other = await registered(registry_pool, owner=5552)
    code, out, err = await cli(env, "restore", str(path), "--into", other, "--yes")
    assert code == 0, err
    assert f"from {tenant}" in out
    assert await upcoming(booking_pool, other, CUSTOMER) == [("Стрижка", VISIT)]
    async with registry_pool.acquire() as conn:
        owners = await conn.fetch(
            f'SELECT telegram_id FROM "{tenant_schema(other)}".staff_members'
            " WHERE role = 'owner' ORDER BY telegram_id"
        )
        actions = await conn.fetch(
            "SELECT action, tenant_id FROM platform.audit_log"
            " WHERE tenant_id = ANY($1::text[]) AND action LIKE 'console:%' ORDER BY id",
            [tenant, other],
        )
    assert [r["telegram_id"] for r in owners] == [5551, 5552]
    assert [(r["action"], r["tenant_id"]) for r in actions] == [
        ("console:backup", tenant),
        ("console:restore", tenant),
        ("console:restore", other),
    ]
    code, _, err = await cli(env, "restore", "nothing--20310101T000000Z.bkbt", "--yes")
    assert code == 1
