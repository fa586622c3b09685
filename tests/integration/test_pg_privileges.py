"""Least privilege in Postgres, proved on the server: each service's login (made by
`shared.bootstrap`) reaches its own schema only, is no superuser and cannot become one; the
provisioner makes tenant schemas and roles through the narrow functions and nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from devstack.infra import prepare_database
from shared.migrate import create_tenant_schema, load_migrations, migrate_schema, shared_migrations
from shared.settings import login_role
from tests.conftest import RUN_ID, create_database, drop_database, unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture(loop_scope="session")
async def logins(login_urls: dict[str, str]) -> AsyncIterator[dict[str, asyncpg.Connection]]:
    connections = {s: await asyncpg.connect(url) for s, url in login_urls.items()}
    yield connections
    for conn in connections.values():
        await conn.close()


async def test_every_login_is_itself_and_no_superuser(
    logins: dict[str, asyncpg.Connection],
) -> None:
    for service, conn in logins.items():
        row = await conn.fetchrow(
            "SELECT current_user AS me, r.rolsuper, r.rolcreaterole, r.rolcreatedb,"
            " r.rolbypassrls FROM pg_roles AS r WHERE r.rolname = current_user"
        )
        assert row is not None
        assert row["me"] == login_role(service)
        assert not any([row["rolsuper"], row["rolcreaterole"], row["rolcreatedb"]]), service
        assert not row["rolbypassrls"]
        assert await conn.fetchval("SHOW is_superuser") == "off"


async def test_billing_owns_its_schema_and_booking_cannot_read_it(
    database_server_url: str,
) -> None:
    # Billing migrates its schema as itself, in a database no test has migrated as superuser.
    name = f"bookbots_priv_{RUN_ID}"
    owner_url = await create_database(database_server_url, name)
    try:
        own = await asyncio.to_thread(prepare_database, owner_url)
        pool = await asyncpg.create_pool(own["billing"], min_size=1, max_size=1)
        assert pool is not None
        try:
            migrations = load_migrations(ROOT / "services/billing/migrations")
            assert await migrate_schema(pool, "billing", migrations) == len(migrations)
            assert await pool.fetchval("SELECT count(*) FROM billing.payments") == 0
        finally:
            await pool.close()
        others = {s: await asyncpg.connect(own[s]) for s in ("booking", "notifier")}
        try:
            for conn in others.values():
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.fetch("SELECT * FROM billing.payments")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await others["booking"].execute("CREATE SCHEMA booking_own")
        finally:
            for conn in others.values():
                await conn.close()
    finally:
        await drop_database(database_server_url, name)


@pytest.mark.parametrize("target", ["postgres", "bookbots_billing", "bookbots_migrator"])
async def test_booking_cannot_become_another_role(
    logins: dict[str, asyncpg.Connection], target: str
) -> None:
    conn = logins["booking"]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.execute(f'SET ROLE "{target}"')
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with conn.transaction():
            await conn.execute("SELECT set_config('role', $1, true)", target)
    assert await conn.fetchval("SELECT current_user") == login_role("booking")


async def test_a_tenant_made_by_the_provisioner_is_reachable_by_its_role_only(
    logins: dict[str, asyncpg.Connection], pg_pool: asyncpg.Pool
) -> None:
    provisioner, booking = logins["provisioner"], logins["booking"]
    mine, other = unique_tenant_id(), unique_tenant_id()
    for tenant in (mine, other):
        async with provisioner.transaction():
            await create_tenant_schema(provisioner, tenant, shared_migrations("tenant"))
            await provisioner.execute(
                f'INSERT INTO "t_{tenant}".business (name, timezone) VALUES ($1, $2)',
                f"Салон {tenant}",
                "Europe/Moscow",
            )
    async with booking.transaction():
        await booking.execute(
            "SELECT set_config('search_path', $1, true), set_config('role', $1, true)",
            f"t_{mine}",
        )
        assert await booking.fetchval("SELECT name FROM business") == f"Салон {mine}"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await booking.fetch(f'SELECT * FROM "t_{other}".business')
    # without SET ROLE (NOINHERIT) the login itself reads no tenant's rows
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await booking.fetch(f'SELECT * FROM "t_{mine}".business')
    # a tenant role made outside the provisioner's function is not booking's to take
    stranger = f"t_{unique_tenant_id()}"
    await pg_pool.execute(f'CREATE ROLE "{stranger}" NOLOGIN')
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await booking.execute(f'SET ROLE "{stranger}"')
    finally:
        await pg_pool.execute(f'DROP ROLE "{stranger}"')


@pytest.mark.parametrize("name", ["postgres", "bookbots_admin", "t_X", "t_ok; DROP ROLE x"])
async def test_the_provisioner_makes_tenant_roles_and_nothing_else(
    logins: dict[str, asyncpg.Connection], name: str
) -> None:
    provisioner = logins["provisioner"]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await provisioner.execute("SELECT platform.create_tenant_role($1)", name)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await provisioner.execute("SELECT platform.drop_tenant_role($1)", name)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await provisioner.execute('CREATE ROLE "someone_else" LOGIN SUPERUSER')
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await logins["booking"].execute("SELECT platform.create_tenant_role('t_abcdef')")
