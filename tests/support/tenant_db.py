"""A database of its own for tests that act on *every* tenant schema (migration runs, the spare
pool): bootstrapped like a deployment, the platform schema migrated by the provisioner's login,
tenants made as the provisioner makes them and registered in `platform.tenants`."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from devstack.infra import prepare_database
from shared.db import tenant_schema
from shared.migrate import Migration, create_tenant_schema, load_migrations, migrate_schema
from tests.conftest import RUN_ID, create_database, drop_database, unique_tenant_id

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_MIGRATIONS = ROOT / "services/provisioner/migrations"
TENANT_MIGRATIONS = ROOT / "shared/migrations/tenant"


@dataclass
class TenantDb:
    server_url: str
    name: str
    owner_url: str
    logins: dict[str, str]
    provisioner: asyncpg.Pool  # the provisioner's login, owner of tenant schemas
    booking: asyncpg.Pool  # booking's login, reaching a tenant as its role


async def open_tenant_db(server_url: str, label: str) -> TenantDb:
    name = f"bookbots_{label}_{RUN_ID}_{uuid.uuid4().hex[:4]}"
    owner_url = await create_database(server_url, name)
    logins = await asyncio.to_thread(prepare_database, owner_url)
    provisioner = await asyncpg.create_pool(logins["provisioner"], min_size=1, max_size=8)
    booking = await asyncpg.create_pool(logins["booking"], min_size=1, max_size=4)
    assert provisioner is not None
    assert booking is not None
    await migrate_schema(provisioner, "platform", load_migrations(PLATFORM_MIGRATIONS))
    return TenantDb(server_url, name, owner_url, logins, provisioner, booking)


async def close_tenant_db(db: TenantDb) -> None:
    spares = await db.provisioner.fetch("SELECT schema_name FROM platform.spare_schemas")
    await db.provisioner.close()
    await db.booking.close()
    await drop_database(db.server_url, db.name)
    admin = await asyncpg.connect(db.server_url)
    try:  # spare roles do not carry the run id the session's clean-up looks for
        for row in spares:
            await admin.execute(f'DROP ROLE IF EXISTS "{row["schema_name"]}"')
    finally:
        await admin.close()


async def make_tenant(db: TenantDb, migrations: tuple[Migration, ...], prefix: str = "m") -> str:
    """A registered tenant whose schema is made under `migrations`, with one service."""
    tenant_id = unique_tenant_id(prefix)
    schema = tenant_schema(tenant_id)
    async with db.provisioner.acquire() as conn, conn.transaction():
        await create_tenant_schema(conn, tenant_id, migrations)
        await conn.execute(
            f'INSERT INTO "{schema}".business (name, timezone) VALUES ($1, $2)',
            f"Салон {tenant_id}",
            "Europe/Moscow",
        )
        await conn.execute(
            f'INSERT INTO "{schema}".services (name, duration_min, price_kopecks)'
            " VALUES ('Стрижка', 60, 150000)"
        )
        await conn.execute(
            "INSERT INTO platform.tenants (tenant_id, signup_id, business_name, timezone,"
            " owner_chat_id, buyer_chat_id, bot_id, bot_username, bot_token_sealed, delivery,"
            " status, plan_code, paid_until) VALUES ($1, $1, $2, 'Europe/Moscow', 1, 1,"
            " $3, $4, 'sealed', 'polling', 'active', 'm1', $5)",
            tenant_id,
            f"Салон {tenant_id}",
            uuid.uuid4().int % 2**62,
            f"{tenant_id}_bot",
            datetime.now(UTC) + timedelta(days=30),
        )
    return tenant_id


def migrations_with(folder: Path, name: str, sql: str) -> tuple[Migration, ...]:
    """The shipped tenant migrations plus one new file, in a temporary folder beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    for shipped in TENANT_MIGRATIONS.glob("*.sql"):
        shutil.copy(shipped, folder / shipped.name)
    (folder / name).write_text(sql, "utf-8")
    return load_migrations(folder)
