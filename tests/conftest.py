"""Test infrastructure: real NATS (a private server per run), real Postgres (a fresh database
per run) and real Redis, started here when they are not already answering.

NATS runs under the deployment's permission file (deploy/nats/nats.conf): `infra.nats_url` is
the admin's (tests' own clients), `infra.nats_settings("booking")` a service's. The database is
bootstrapped like a deployment (`shared.bootstrap`): `pg_pool` is the owner's, `login_urls`
maps each service to its own non-superuser login.

Names are unique per run (database, tenant ids), so two runs and a `make run` demo never touch
each other's data.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from devstack.infra import InfraMissing, LocalInfra, database_url, prepare_database
from shared.db import tenant_schema
from shared.migrate import (
    create_tenant_schema,
    ensure_extensions,
    load_migrations,
    migrate_schema,
    shared_migrations,
)
from shared.outbox import migrate_outbox
from tests.support.catalog import give_catalog

RUN_ID = uuid.uuid4().hex[:8]
ROOT = Path(__file__).resolve().parent.parent

# HTTP clients log request URLs, and Bot API URLs carry bot tokens: keep them out of test output.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


# Under `pytest -n N --dist loadgroup` (`make test`) a module runs whole on one worker, so its
# module fixtures are built once, and so does a package whose conftest builds one stack for all
# its modules. Groups are read from node ids: with pytest 9, xdist's own `xdist_group` marks no
# longer reach its scheduler (it renames `item._nodeid`, which pytest 9 does not read).
SHARED_STACK_PACKAGES = ("tests/e2e", "tests/multi_pg", "tests/fuzz")
OWN_STACK_MODULES = ("tests/e2e/test_chaos.py",)  # in e2e, but with a stack of its own

# The groups that take minutes, heaviest first: on an xdist worker they are collected first
# and `make test` hands groups out in collection order (--no-loadscope-reorder), so both
# workers start on a long one and the short modules fill in around them.
HEAVY_FIRST = (
    "tests/e2e",
    "tests/e2e/test_chaos.py",
    "tests/bench/test_bench_smoke.py",
    "tests/multi_pg",
    "tests/bench/test_bench_migrate_smoke.py",
    "tests/fuzz",
)


def xdist_group(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0]
    package = module.rsplit("/", 1)[0]
    if package in SHARED_STACK_PACKAGES and module not in OWN_STACK_MODULES:
        return package
    return module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

    return ByGroup(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # not an xdist worker: a plain run keeps its order
        return

    def rank(item: pytest.Item) -> int:
        group = xdist_group(item.nodeid)
        return HEAVY_FIRST.index(group) if group in HEAVY_FIRST else len(HEAVY_FIRST)

    items.sort(key=rank)  # stable: each group keeps its own order


@pytest.fixture(scope="session")
def infra() -> Iterator[LocalInfra]:
    local = LocalInfra()
    try:
        local.start_nats()
        if os.environ.get("TEST_REDIS_URL"):
            local.redis_url = os.environ["TEST_REDIS_URL"]
        else:
            try:
                local.start_redis()
            except InfraMissing:
                local.use_or_start_redis(os.environ.get("REDIS_URL"))
        local.use_or_start_postgres(os.environ.get("TEST_DATABASE_SERVER_URL"))
    except InfraMissing as error:
        local.close()
        pytest.exit(f"test infrastructure missing: {error}", returncode=3)
    yield local
    local.close()


@pytest.fixture(scope="session")
def database_server_url(infra: LocalInfra) -> str:
    return infra.postgres_url


async def _admin(server_url: str, statement: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


async def create_database(server_url: str, name: str) -> str:
    """A fresh database on the test server; returns its URL."""
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    return database_url(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class RunDatabase:
    url: str  # the owner's (a superuser on the test server)
    logins: dict[str, str]  # service -> its own login's URL


SERVICE_SCHEMAS = {  # login -> the schema it owns and the folder of its migrations
    "billing": ("billing", ROOT / "services/billing/migrations"),
    "notifier": ("notifier", ROOT / "services/notifier/migrations"),
    "provisioner": ("platform", ROOT / "services/provisioner/migrations"),
}


async def _migrate_as_owners(logins: dict[str, str]) -> None:
    """Each service schema migrated by its own login first, as in a deployment: a test that
    later migrates it as the superuser finds nothing to do, so the tables stay the service's."""
    for service, (schema, folder) in SERVICE_SCHEMAS.items():
        pool = await asyncpg.create_pool(logins[service], min_size=1, max_size=1)
        assert pool is not None
        try:
            await migrate_schema(pool, schema, load_migrations(folder))
        finally:
            await pool.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def test_database(database_server_url: str) -> AsyncIterator[RunDatabase]:
    """A fresh database per run, bootstrapped like a deployment (`shared.bootstrap`)."""
    name = f"bookbots_test_{RUN_ID}"
    url = await create_database(database_server_url, name)
    logins = await asyncio.to_thread(prepare_database, url)
    await _migrate_as_owners(logins)
    yield RunDatabase(url=url, logins=logins)
    await drop_database(database_server_url, name)
    admin = await asyncpg.connect(database_server_url)
    try:
        roles = await admin.fetch(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE $1", f"t_%{RUN_ID}%"
        )
        names = [role["rolname"] for role in roles]
        for start in range(0, len(names), 200):  # a transaction per 200: one commit, few locks
            async with admin.transaction():
                for name in names[start : start + 200]:
                    await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def test_database_url(test_database: RunDatabase) -> str:
    return test_database.url


@pytest.fixture(scope="session")
def login_urls(test_database: RunDatabase) -> dict[str, str]:
    """Each service's own login to the test database (`bookbots_<service>`)."""
    return test_database.logins


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def booking_pool(login_urls: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """A pool on booking's own login, for booking built in-process."""
    pool = await asyncpg.create_pool(login_urls["booking"], min_size=1, max_size=10)
    assert pool is not None
    yield pool
    await pool.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pg_pool(test_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(test_database_url, min_size=1, max_size=20)
    assert pool is not None
    await ensure_extensions(pool)
    await migrate_outbox(pool)
    yield pool
    await pool.close()


def unique_tenant_id(prefix: str = "t") -> str:
    """A tenant id no other test or run uses (it carries the run id for cleanup)."""
    return f"{prefix}_{RUN_ID}_{uuid.uuid4().hex[:6]}"


TenantFactory = Callable[..., Awaitable[str]]


@pytest.fixture
def tenant_factory(pg_pool: asyncpg.Pool) -> TenantFactory:
    """A new tenant; with `catalog` (the default) it gets the salon catalog of
    `tests.support.catalog`, without it it starts empty like a freshly bought business."""

    async def make(
        name: str = "Салон Анна", timezone: str = "Europe/Moscow", *, catalog: bool = True
    ) -> str:
        tenant_id = unique_tenant_id()
        async with pg_pool.acquire() as conn, conn.transaction():
            await create_tenant_schema(conn, tenant_id, shared_migrations("tenant"))
            await conn.execute(
                f'INSERT INTO "{tenant_schema(tenant_id)}".business (name, timezone) '
                "VALUES ($1, $2)",
                name,
                timezone,
            )
            if catalog:
                await give_catalog(conn, tenant_id)
        return tenant_id

    return make
