"""The whole-platform backup: the compose service's script takes a dump of a database with
several tenants, and the README's restore procedure, run as written, brings every tenant's
bookings back in a new database, readable by booking's own login as each tenant's role."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from devstack.database import login_url, prepare_database
from shared.migrate import load_migrations, migrate_schema, shared_migrations
from shared.settings import DATABASE_SERVICES, login_role
from tests.conftest import RUN_ID, SERVICE_SCHEMAS, create_database, drop_database
from tests.integration.test_backup_tenant import CUSTOMER, VISIT, book, new_tenant, upcoming

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "backup" / "pg-backup.sh"
_BLOCK = re.compile(
    r"<!-- restore-procedure -->\n```sh\n(.*?)```\n<!-- /restore-procedure -->", re.S
)


def readme_procedure() -> str:
    found = _BLOCK.search((ROOT / "README.md").read_text("utf-8"))
    assert found, "README.md has no restore-procedure block"
    return found.group(1)


async def run(argv: list[str], env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode == 0, out.decode()
    return out.decode()


def pg_env(server_url: str, database: str) -> dict[str, str]:
    parts = urlsplit(server_url)
    return {
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "postgres",
        "PGPASSWORD": parts.password or "",
        "PGDATABASE": database,
    }


async def _pool(url: str) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    assert pool is not None
    return pool


async def test_a_whole_database_backup_restores_into_a_new_database_with_every_booking(
    database_server_url: str, tmp_path: Path
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore (postgresql-client-15) are needed for this test")
    source_name, target_name = f"bookbots_test_{RUN_ID}_pfsrc", f"bookbots_test_{RUN_ID}_pfnew"
    source_url = await create_database(database_server_url, source_name)
    target_url = source_url.rsplit("/", 1)[0] + f"/{target_name}"
    try:
        logins = await asyncio.to_thread(prepare_database, source_url)
        for service, (schema, folder) in SERVICE_SCHEMAS.items():
            pool = await _pool(logins[service])
            try:
                await migrate_schema(pool, schema, load_migrations(folder))
            finally:
                await pool.close()
        provisioner, booking = await _pool(logins["provisioner"]), await _pool(logins["booking"])
        tenants = []
        try:
            for offset in range(3):
                tenant = await new_tenant(provisioner, shared_migrations("tenant"))
                await book(booking, tenant, CUSTOMER + offset, VISIT)
                tenants.append(tenant)
        finally:
            await provisioner.close()
            await booking.close()

        backups = tmp_path / "backups"
        env = {
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **pg_env(database_server_url, source_name),
            "BACKUP_DIR": str(backups),
            "BACKUP_KEEP": "1",
        }
        await run(["sh", str(SCRIPT), "once"], env)
        await run(["sh", str(SCRIPT), "once"], env)  # the older one goes (keep 1)
        dumps = sorted(backups.glob("bookbots-*.dump"))
        assert len(dumps) == 1
        assert len(list(backups.glob("*.roles.sql"))) == 1
        assert {p.stat().st_mode & 0o777 for p in backups.iterdir()} == {0o600}
        await run(["sh", str(SCRIPT), "check"], env)
        # sealed for the trip off the machine, and opened again where it is restored
        sealing = {**env, "PYTHONPATH": str(ROOT), "BACKUP_KEY": secrets.token_urlsafe(32)}
        python = [sys.executable, "-m", "shared.backup_seal"]
        await run([*python, "seal", str(dumps[0])], sealing)
        dumps[0].unlink()
        await run([*python, "open", f"{dumps[0]}.sealed"], sealing)
        assert dumps[0].stat().st_mode & 0o777 == 0o600

        passwords = {s: secrets.token_hex(12) for s in DATABASE_SERVICES}
        restore_env = {
            **env,
            "PYTHONPATH": str(ROOT),
            "DUMP": str(dumps[0]),
            "NEW_DB": target_name,
            "NEW_DB_URL": target_url,
            **{f"DB_PASSWORD_{s.upper()}": p for s, p in passwords.items()},
        }
        await run(["sh", "-eu", "-c", readme_procedure()], restore_env)

        booking_new = await _pool(
            login_url(target_url, login_role("booking"), passwords["booking"])
        )
        try:
            for offset, tenant in enumerate(tenants):
                found = await upcoming(booking_new, tenant, CUSTOMER + offset)
                assert found == [("Стрижка", VISIT)], tenant
            owners = await booking_new.fetch(
                "SELECT DISTINCT pg_get_userbyid(nspowner) AS owner FROM pg_namespace"
                " WHERE nspname = ANY($1::text[])",
                [f"t_{t}" for t in tenants],
            )
            assert [r["owner"] for r in owners] == [login_role("provisioner")]
        finally:
            await booking_new.close()
    finally:
        await drop_database(database_server_url, target_name)
        await drop_database(database_server_url, source_name)
