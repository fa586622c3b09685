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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from bench.migrate import MIGRATION, ONE_STATEMENT
from bench.migrate_load import add_catalog
from services.booking.adapters import booking_repo
from services.provisioner.adapters.spares_pg import PgSpareSchemas
from shared.db import tenant_schema, tenant_tx
from shared.migrate import shared_migrations
from shared.migrate_cli import plan_text, report_text
from shared.migrate_online import Options, Target, migrate_online, plan, targets
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


async def _book(db: TenantDb, tenant_id: str, hours_ahead: int) -> int:
    """A customer's booking, made by booking's own code as the tenant's role."""
    async with tenant_tx(db.booking, tenant_id) as conn:
        customer = await booking_repo.upsert_customer(conn, telegram_id=7, name="Клиент")
        made = await booking_repo.create_booking(
            conn,
            customer_id=customer.id,
            service_id=await conn.fetchval("SELECT min(id) FROM services"),
            master_id=await conn.fetchval("SELECT min(id) FROM masters"),
            starts_at=datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            + timedelta(hours=hours_ahead),
            actor="customer",
        )
    return made.id


async def test_the_split_column_with_a_default_fills_old_bookings(
    db: TenantDb, tmp_path: Path
) -> None:
    """The bench's migration (the column added, then its default set, the old rows filled and
    NOT NULL set) ends where the one-statement form does, and the old booking has the value."""
    old = shared_migrations("tenant")
    split, single = await make_tenant(db, old, prefix="s"), await make_tenant(db, old, prefix="o")
    await add_catalog(db.provisioner, [split, single])
    before = await _book(db, split, 50)
    mine = [t for t in await targets(db.provisioner) if t.schema == tenant_schema(split)]
    one = [t for t in await targets(db.provisioner) if t.schema == tenant_schema(single)]

    report = await migrate_online(
        db.provisioner, mine, migrations_with(tmp_path / "split", "0999_channel.sql", MIGRATION)
    )
    same = await migrate_online(
        db.provisioner, one, migrations_with(tmp_path / "one", "0999_channel.sql", ONE_STATEMENT)
    )

    assert (report.migrated, report.failures, same.migrated, same.failures) == (1, [], 1, [])
    after = await _book(db, split, 54)
    async with tenant_tx(db.booking, split) as conn:
        rows = await conn.fetch("SELECT id, reminder_channel FROM bookings ORDER BY id")
        assert [tuple(r) for r in rows] == [(before, "telegram"), (after, "telegram")]
        with pytest.raises(asyncpg.NotNullViolationError):
            await conn.execute("UPDATE bookings SET reminder_channel = NULL")
    shape = (
        "SELECT c.column_default, c.is_nullable, c.data_type,"
        " (SELECT indexdef FROM pg_indexes WHERE schemaname = $1"
        "  AND indexname = 'bookings_reminder_channel_idx') AS idx"
        " FROM information_schema.columns AS c WHERE c.table_schema = $1"
        " AND c.table_name = 'bookings' AND c.column_name = 'reminder_channel'"
    )
    got = await db.provisioner.fetchrow(shape, tenant_schema(split))
    expected = await db.provisioner.fetchrow(shape, tenant_schema(single))
    assert got is not None
    assert expected is not None
    assert got["idx"] is not None
    assert dict(got) | {"idx": ""} == dict(expected) | {"idx": ""}
    assert got["idx"].replace(tenant_schema(split), "_") == expected["idx"].replace(
        tenant_schema(single), "_"
    )


async def test_connections_are_replaced_between_batches(db: TenantDb, tmp_path: Path) -> None:
    """With `fresh_connections_every=1` each batch runs on a new backend (a backend keeps a
    cache entry for every table it touched); with 0 one backend does them all."""
    old = shared_migrations("tenant")
    made = {tenant_schema(await make_tenant(db, old, prefix="f")) for _ in range(6)}
    mine = [t for t in await targets(db.provisioner) if t.schema in made]
    mark = "CREATE TABLE backend AS SELECT pg_backend_pid() AS pid;\n"
    pool = await asyncpg.create_pool(db.logins["provisioner"], min_size=1, max_size=1)
    assert pool is not None
    try:
        fresh = Options(batch_size=1, concurrency=1, fresh_connections_every=1)
        first = migrations_with(tmp_path / "a", "0998_backend.sql", mark)
        await migrate_online(pool, mine[:3], first, fresh)
        kept = Options(batch_size=1, concurrency=1, fresh_connections_every=0)
        await migrate_online(pool, mine[3:], first, kept)
    finally:
        await pool.close()

    async def backends(targets_: list[Target]) -> set[int]:
        return {
            await db.provisioner.fetchval(f'SELECT pid FROM "{t.schema}".backend') for t in targets_
        }

    assert len(await backends(mine[:3])) == 3
    assert len(await backends(mine[3:])) == 1
