"""The pool of spare tenant schemas on a real Postgres, under the deployment's logins: the
keeper fills it, a purchase turns a spare into the buyer's tenant (schema and role renamed,
the tenant's role reaches it, the booking login too), an empty pool falls back to creating
the schema, spares never show as tenants, and the provisioner cannot rename other roles."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
import pytest_asyncio

from services.provisioner.adapters.console_pg import PgConsoleStore
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.adapters.spares_pg import PgSpareSchemas
from services.provisioner.ports import Payment
from services.provisioner.use_cases.spares import SpareKeeper
from shared.db import tenant_schema, tenant_tx
from shared.messages import Signup
from shared.migrate import shared_migrations
from tests.conftest import RUN_ID
from tests.support.tenant_db import TenantDb, close_tenant_db, open_tenant_db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def db(database_server_url: str) -> AsyncIterator[TenantDb]:
    opened = await open_tenant_db(database_server_url, "spares")
    yield opened
    await close_tenant_db(opened)


async def buy(registry: PgTenantRegistry, owner_chat_id: int = 4242) -> str:
    bot_id = uuid.uuid4().int % 2**40
    username = f"p_{RUN_ID}_{bot_id:x}_bot"[:32]
    applied = await registry.create_tenant(
        signup=Signup(
            signup_id=f"signup-{bot_id}",
            business_name="Салон Вера",
            timezone="Europe/Moscow",
            buyer_chat_id=owner_chat_id,
            owner_chat_id=owner_chat_id,
            bot_id=bot_id,
            bot_username=username,
            bot_token_sealed="sealed",
        ),
        payment=Payment(
            payment_id=f"pay-{bot_id}",
            kind="new",
            plan_code="m1",
            period_days=30,
            amount_kopecks=29900,
        ),
        delivery="polling",
        now=datetime.now(UTC),
    )
    assert applied.created
    return applied.tenant.tenant_id


async def role_exists(pool: asyncpg.Pool, name: str) -> bool:
    return bool(await pool.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name))


async def test_a_purchase_takes_a_spare_from_the_pool(db: TenantDb) -> None:
    migrations = shared_migrations("tenant")
    spares = PgSpareSchemas(db.provisioner, migrations)
    keeper = SpareKeeper(spares=spares, size=3, workers=2)
    assert await keeper.top_up() == 3
    assert await keeper.top_up() == 0
    pooled = {
        r[0] for r in await db.provisioner.fetch("SELECT schema_name FROM platform.spare_schemas")
    }

    tenant_id = await buy(PgTenantRegistry(db.provisioner, migrations))

    left = {
        r[0] for r in await db.provisioner.fetch("SELECT schema_name FROM platform.spare_schemas")
    }
    assert len(left) == 2
    assert left < pooled
    (taken,) = pooled - left
    assert not await role_exists(db.provisioner, taken)
    assert await db.provisioner.fetchval("SELECT to_regnamespace($1)", taken) is None
    assert await role_exists(db.provisioner, tenant_schema(tenant_id))
    async with tenant_tx(db.booking, tenant_id) as conn:  # booking, as the tenant's role
        assert await conn.fetchval("SELECT name FROM business") == "Салон Вера"
        assert await conn.fetchval("SELECT role FROM staff_members WHERE telegram_id = 4242") == (
            "owner"
        )
        await conn.execute("INSERT INTO services (name, duration_min) VALUES ('Стрижка', 60)")
    async with tenant_tx(db.booking, tenant_id) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM schema_migrations")


async def test_spares_never_show_as_tenants(db: TenantDb) -> None:
    migrations = shared_migrations("tenant")
    await SpareKeeper(spares=PgSpareSchemas(db.provisioner, migrations), size=2, workers=1).top_up()
    tenant_id = await buy(PgTenantRegistry(db.provisioner, migrations))

    store = PgConsoleStore(db.provisioner, migrations)
    listed, total = await store.list_tenants(None, limit=50, offset=0)
    assert [t.tenant_id for t in listed] == [tenant_id]
    assert total == 1
    assert (await store.tenant_counts(datetime(2000, 1, 1, tzinfo=UTC))).active == 1
    assert await store.search("spare", limit=10) == []


async def test_an_empty_pool_falls_back_to_creating_the_schema(db: TenantDb) -> None:
    migrations = shared_migrations("tenant")
    assert await PgSpareSchemas(db.provisioner, migrations).count() == 0

    tenant_id = await buy(PgTenantRegistry(db.provisioner, migrations), owner_chat_id=77)

    async with tenant_tx(db.booking, tenant_id) as conn:
        assert await conn.fetchval("SELECT telegram_id FROM staff_members") == 77


async def test_the_provisioner_renames_only_spares_to_tenant_roles(db: TenantDb) -> None:
    migrations = shared_migrations("tenant")
    spare = await PgSpareSchemas(db.provisioner, migrations).make_one()
    async with db.provisioner.acquire() as conn:
        for old, new in (
            ("bookbots_booking", f"t_x_{RUN_ID}"),
            (spare, "bookbots_admin"),
            (spare, "postgres"),
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("SELECT platform.rename_spare_role($1, $2)", old, new)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f'ALTER ROLE "{spare}" RENAME TO "t_y_{RUN_ID}"')
    assert await role_exists(db.provisioner, spare)
