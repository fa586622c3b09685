"""A new tenant migration over every schema, on a real Postgres: applied to tenants (and a
spare) made under the old set, data and behaviour checked after; a broken schema fails alone
and is reported; a run killed with SIGKILL mid-way is finished by the next run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from services.provisioner.adapters.spares_pg import PgSpareSchemas
from shared.db import tenant_schema, tenant_tx
from shared.migrate import shared_migrations
from shared.migrate_cli import plan_text, report_text
from shared.migrate_online import Options, migrate_online, plan, targets
from tests.support.tenant_db import (
    ROOT,
    TenantDb,
    close_tenant_db,
    make_tenant,
    migrations_with,
    open_tenant_db,
)
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

COLOUR = """-- A colour per service, for the admin's week view.
ALTER TABLE services ADD COLUMN colour text NOT NULL DEFAULT 'lavender';
CREATE INDEX services_colour_idx ON services (colour);
"""


@pytest_asyncio.fixture(loop_scope="session")
async def db(database_server_url: str) -> AsyncIterator[TenantDb]:
    opened = await open_tenant_db(database_server_url, "migrate")
    yield opened
    await close_tenant_db(opened)


async def test_a_new_migration_reaches_old_tenants_and_spares(db: TenantDb, tmp_path: Path) -> None:
    old = shared_migrations("tenant")
    tenants = [await make_tenant(db, old) for _ in range(3)]
    spare = await PgSpareSchemas(db.provisioner, old).make_one()
    new = migrations_with(tmp_path / "tenant", "0035_service_colour.sql", COLOUR)

    pending = await plan(db.provisioner, await targets(db.provisioner), new)
    text = plan_text(pending)
    assert "0035_service_colour: pending in 3 tenants" in text
    assert "0035_service_colour: pending in 1 spares" in text
    async with tenant_tx(db.booking, tenants[0]) as conn:  # the dry run changed nothing
        assert await conn.fetchval("SELECT to_regclass('services_colour_idx')") is None

    report = await migrate_online(db.provisioner, await targets(db.provisioner), new)
    assert (report.tenants, report.spares, report.migrated, report.failures) == (3, 1, 4, [])

    for tenant_id in tenants:
        async with tenant_tx(db.booking, tenant_id) as conn:  # as the tenant's own role
            assert await conn.fetchval("SELECT colour FROM services") == "lavender"
            await conn.execute(
                "INSERT INTO services (name, duration_min, colour) VALUES ('Маникюр', 90, 'mint')"
            )
            rows = await conn.fetch("SELECT name, colour FROM services ORDER BY id")
            assert [tuple(r) for r in rows][-2:] == [("Стрижка", "lavender"), ("Маникюр", "mint")]
            assert await conn.fetchval("SELECT to_regclass('services_colour_idx')") is not None
    async with db.provisioner.acquire() as conn:
        assert await conn.fetchval(
            f'SELECT count(*) FROM "{spare}".schema_migrations WHERE version = 35'
        )
    again = await migrate_online(db.provisioner, await targets(db.provisioner), new)
    assert (again.migrated, again.unchanged, again.failures) == (0, 4, [])


async def test_a_broken_schema_fails_alone_and_is_reported(db: TenantDb, tmp_path: Path) -> None:
    old = shared_migrations("tenant")
    tenants = [await make_tenant(db, old, prefix="b") for _ in range(3)]
    broken = tenant_schema(tenants[1])
    owner = await asyncpg.connect(db.owner_url)
    try:
        await owner.execute(f'DROP TABLE "{broken}".services CASCADE')
    finally:
        await owner.close()
    new = migrations_with(tmp_path / "tenant", "0035_service_colour.sql", COLOUR)
    mine = [t for t in await targets(db.provisioner) if t.schema.startswith("t_b_")]

    report = await migrate_online(db.provisioner, mine, new, Options(batch_size=2))

    assert [f.schema for f in report.failures] == [broken]
    assert "services" in report.failures[0].error
    assert report.migrated == 2
    assert f"FAILED {broken}" in report_text(report)
    recorded = await db.provisioner.fetch(
        "SELECT schema_name, ok, error FROM platform.migration_results WHERE run_id = $1",
        report.run_id,
    )
    assert {r["schema_name"]: r["ok"] for r in recorded} == {
        tenant_schema(t): t != tenants[1] for t in tenants
    }
    for tenant_id in (tenants[0], tenants[2]):
        async with tenant_tx(db.booking, tenant_id) as conn:
            assert await conn.fetchval("SELECT colour FROM services") == "lavender"


def _cli(db: TenantDb, folder: Path, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": db.logins["provisioner"],
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(  # noqa: S603 - our interpreter, our module
        [sys.executable, "-m", "shared.migrate", "--migrations-dir", str(folder), *extra],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_a_killed_run_is_finished_by_the_next(db: TenantDb, tmp_path: Path) -> None:
    old = shared_migrations("tenant")
    tenants = {tenant_schema(await make_tenant(db, old, prefix="k")) for _ in range(18)}
    # Each schema takes a moment, so the run can be caught between its batches.
    slow = COLOUR + "SELECT pg_sleep(0.15);\n"
    folder = tmp_path / "tenant"
    migrations_with(folder, "0035_service_colour.sql", slow)
    everyone = len(await targets(db.provisioner))

    first = _cli(db, folder, "--batch-size", "3", "--concurrency", "1")

    async def two_batches_done() -> bool:
        done = await db.provisioner.fetchval(
            "SELECT batches_done FROM platform.migration_runs WHERE finished_at IS NULL"
            " ORDER BY run_id DESC LIMIT 1"
        )
        return done is not None and done >= 2

    try:
        await until(two_batches_done, 120, "two batches of the first run")
    finally:
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait)
    run = await db.provisioner.fetchrow(
        "SELECT run_id, finished_at FROM platform.migration_runs ORDER BY run_id DESC LIMIT 1"
    )
    assert run is not None
    assert run["finished_at"] is None
    done_before = await db.provisioner.fetchval(
        "SELECT count(*) FROM platform.migration_results WHERE run_id = $1 AND ok", run["run_id"]
    )
    assert 6 <= done_before < everyone

    second = _cli(db, folder, "--batch-size", "3", "--concurrency", "2", "--json")
    out, err = await asyncio.to_thread(second.communicate, timeout=300)
    assert second.returncode == 0, err
    report = json.loads(out)
    assert report["run_id"] == run["run_id"]
    assert report["resumed"]
    assert report["already_done"] == done_before
    assert report["migrated"] + report["unchanged"] == everyone - done_before
    assert report["failures"] == []
    for schema in tenants:
        versions = await db.provisioner.fetchval(
            f'SELECT count(*) FROM "{schema}".schema_migrations WHERE version = 35'
        )
        assert versions == 1, schema
