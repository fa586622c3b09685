"""The tenant schema's baseline: the tables the tenant migrations make, as one `pg_dump`.

A new tenant schema (a spare, or one created at purchase) replays every tenant migration. Some
of them `ALTER TABLE ... ADD COLUMN ... DEFAULT`, and Postgres checks such a column against
every use of the table's row type by scanning `pg_depend`, whose size grows with every tenant:
~0 ms per statement with a few schemas, ~11 ms each at 800 schemas, and it keeps growing (the
spare pool's DDL rate fell with the tenant count). The baseline is the same schema written as
its end state (`CREATE TABLE` with every column, then its constraints and indexes), which no
longer touches `pg_depend` per column, so a schema costs the same at 10 or 10,000 tenants.

`shared/migrations/tenant_baseline.sql` covers the migrations up to the version in its first
line, checked by their SHA-256: when any of them changes, the baseline is ignored (the schema
is made by replaying, as before) until it is regenerated. Migrations newer than the baseline
are applied after it as usual, so adding a migration never needs a new baseline (it only
brings the cost of that migration back). Regenerate with a Postgres server and `pg_dump`:

    python -m shared.tenant_baseline [--server postgresql://postgres@127.0.0.1:5432/postgres]

`tests/integration/test_tenant_baseline.py` proves a baseline-made schema equals a replayed one.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg

from shared.migrate import Migration, create_tenant_schema, shared_migrations

SCHEMA_MARK = "__tenant_schema__"
_HEADER = re.compile(r"^-- tenant baseline: version (\d+), sha256 ([0-9a-f]{64})$")
_TEMPLATE_ID = "baseline_template"


@dataclass(frozen=True, slots=True)
class Baseline:
    version: int
    sql: str  # the DDL, with SCHEMA_MARK for the schema's name

    def for_schema(self, schema: str) -> str:
        return self.sql.replace(SCHEMA_MARK, schema)


def digest(migrations: tuple[Migration, ...]) -> str:
    hashed = hashlib.sha256()
    for migration in migrations:
        hashed.update(f"{migration.version}:{migration.name}\n".encode())
        hashed.update(migration.sql.encode())
    return hashed.hexdigest()


def baseline_path() -> Path:
    return Path(str(resources.files("shared") / "migrations" / "tenant_baseline.sql"))


def load_baseline(migrations: tuple[Migration, ...], path: Path | None = None) -> Baseline | None:
    """The baseline if it matches the first of `migrations` it covers, else None."""
    path = path or baseline_path()
    try:
        text = path.read_text("utf-8")
    except OSError:
        return None
    header = _HEADER.match(text.split("\n", 1)[0])
    if header is None:
        return None
    version = int(header.group(1))
    covered = tuple(m for m in migrations if m.version <= version)
    if not covered or covered[-1].version != version or digest(covered) != header.group(2):
        return None
    return Baseline(version, text)


def _clean(dump: str, schema: str) -> str:
    """pg_dump's output as a script for any schema: no session settings, no psql commands, no
    CREATE SCHEMA (the caller makes it), the schema's name replaced by SCHEMA_MARK."""
    kept = []
    for line in dump.splitlines():
        if line.startswith(("SET ", "SELECT pg_catalog.set_config", "\\", "CREATE SCHEMA")):
            continue
        if line.startswith("--") or not line.strip():
            continue
        kept.append(line.replace(f"{schema}.", f"{SCHEMA_MARK}."))
    return "\n".join(kept) + "\n"


async def generate(server: str, migrations: tuple[Migration, ...]) -> str:
    """Replay `migrations` into a template schema of a scratch database, dump it, drop it."""
    pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
    database = f"bookbots_baseline_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
        url = f"{server.rsplit('/', 1)[0]}/{database}"
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
            async with conn.transaction():
                await create_tenant_schema(conn, _TEMPLATE_ID, migrations)
        finally:
            await conn.close()
        schema = f"t_{_TEMPLATE_ID}"
        command = [pg_dump, "--schema-only", "--no-owner", "--no-privileges", "-n", schema]
        dump = await asyncio.to_thread(
            subprocess.run,  # the system's pg_dump, on our scratch database
            [*command, "-T", f"{schema}.schema_migrations", url],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "t_{_TEMPLATE_ID}"')
        await admin.close()
    header = f"-- tenant baseline: version {migrations[-1].version}, sha256 {digest(migrations)}"
    note = "-- generated by `python -m shared.tenant_baseline` from the tenant migrations"
    return f"{header}\n{note}\n{_clean(dump.stdout, schema)}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.tenant_baseline", description=__doc__)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    migrations = shared_migrations("tenant")
    path = baseline_path()
    path.write_text(asyncio.run(generate(args.server, migrations)), "utf-8")
    print(f"{path}: tenant migrations up to {migrations[-1].version}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
