"""Plain, versioned SQL migrations: `NNNN_name.sql` files applied in order, once per schema.

A service migrates its own schema on start (`migrate_schema`). Tenant schemas are created by
the provisioner (`create_tenant_schema`, or renamed from a pre-created spare) and migrated
online, schema by schema, by `shared.migrate_online`.

    python -m shared.migrate [--dry-run] [--batch-size 100] [--concurrency 4]

applies pending tenant migrations to every tenant schema and every spare (`shared.migrate_cli`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from shared.db import tenant_schema

if TYPE_CHECKING:
    from shared.tenant_baseline import Baseline

_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_SCHEMA_NAME = re.compile(r"^t_[a-z0-9_]{1,60}$")
TENANT_MIGRATIONS = "tenant"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path) -> tuple[Migration, ...]:
    found = []
    for path in sorted(directory.iterdir()):
        match = _FILE.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {directory}")
    return tuple(found)


def shared_migrations(kind: str) -> tuple[Migration, ...]:
    """Migrations shipped in `shared/migrations/<kind>/` (the tenant schema lives there)."""
    root = resources.files("shared") / "migrations" / kind
    return load_migrations(Path(str(root)))


async def apply_migrations(
    conn: asyncpg.Connection, schema: str, migrations: tuple[Migration, ...]
) -> int:
    """Apply the pending ones of `migrations` to `schema` in the caller's transaction."""
    # A service's schema is made by `shared.bootstrap` and owned by its login, which may not
    # CREATE in the database: even `IF NOT EXISTS` checks that right first.
    if await conn.fetchval("SELECT to_regnamespace($1) IS NULL", f'"{schema}"'):
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    # Likewise CREATE TABLE IF NOT EXISTS checks CREATE on the schema: a login that may only
    # read a shared schema's record (the outbox's) must not reach it when the table is there.
    if await conn.fetchval("SELECT to_regclass($1) IS NULL", f'"{schema}".schema_migrations'):
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            "version int PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    applied = {
        row["version"]
        for row in await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')
    }
    count = 0
    for migration in migrations:
        if migration.version in applied:
            continue
        await conn.execute("SELECT set_config('search_path', $1, true)", f"{schema}, public")
        await conn.execute(migration.sql)
        await conn.execute(
            f'INSERT INTO "{schema}".schema_migrations (version, name) VALUES ($1, $2)',
            migration.version,
            migration.name,
        )
        count += 1
    return count


async def migrate_schema(pool: asyncpg.Pool, schema: str, migrations: tuple[Migration, ...]) -> int:
    """Bring one service schema up to date; safe to run from several replicas at once."""
    async with pool.acquire() as conn, conn.transaction():
        return await migrate_in_transaction(conn, schema, migrations)


async def migrate_in_transaction(
    conn: asyncpg.Connection, schema: str, migrations: tuple[Migration, ...]
) -> int:
    """`migrate_schema` inside the caller's open transaction."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
    return await apply_migrations(conn, schema, migrations)


async def ensure_extensions(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        if await conn.fetchval("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'"):
            return  # installed by shared.bootstrap; a service login could not
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('extensions'))")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")


_CREATE_ROLE_FUNCTION = "platform.create_tenant_role(text)"
_DROP_ROLE_FUNCTION = "platform.drop_tenant_role(text)"


async def _bootstrapped(conn: asyncpg.Connection, function: str) -> bool:
    return bool(await conn.fetchval("SELECT to_regprocedure($1) IS NOT NULL", function))


async def _tenant_role(conn: asyncpg.Connection, schema: str) -> None:
    """The tenant's role, with rights on its schema only.

    In a bootstrapped database (`shared.bootstrap`) the role is made by the SECURITY DEFINER
    function `platform.create_tenant_role`, which also grants it to the booking, notifier and
    provisioner logins; a superuser on a plain development database makes it directly.

    Table rights come from default privileges set *before* the tables exist: a
    `GRANT ... ON ALL TABLES IN SCHEMA` scans all of `pg_class`, which with thousands of tenant
    schemas makes every new tenant slower than the last.
    """
    if await _bootstrapped(conn, _CREATE_ROLE_FUNCTION):
        await conn.execute("SELECT platform.create_tenant_role($1)", schema)
    elif not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", schema):
        await conn.execute(f'CREATE ROLE "{schema}" NOLOGIN')
        await conn.execute(f'GRANT "{schema}" TO CURRENT_USER')
    await conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{schema}"')
    await conn.execute(
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}"'
        f' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{schema}"'
    )
    await conn.execute(
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}"'
        f' GRANT USAGE, SELECT ON SEQUENCES TO "{schema}"'
    )


async def create_tenant_schema(
    conn: asyncpg.Connection, tenant_id: str, migrations: tuple[Migration, ...]
) -> int:
    """Create (or finish) a tenant's schema and role inside the caller's transaction."""
    schema = tenant_schema(tenant_id)
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    await _tenant_role(conn, schema)
    count = await apply_migrations(conn, schema, migrations)
    # The migration record is the platform's, not the tenant's to rewrite.
    await conn.execute(f'REVOKE ALL ON "{schema}".schema_migrations FROM "{schema}"')
    return count


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fresh_schema_script(
    schema: str,
    migrations: tuple[Migration, ...],
    *,
    bootstrapped: bool,
    baseline: Baseline | None = None,
) -> str:
    """SQL that makes `schema` and its role from nothing at the latest of `migrations`, the
    same as `create_tenant_schema` does statement by statement, as one script: sent as one
    simple query, a whole schema costs one round trip (and several fit in one transaction).
    With a `baseline` (`shared.tenant_baseline`) the migrations it covers are not replayed:
    its end-state DDL stands for them. `schema` is one of ours (`tenant_schema`), never a
    user's text; run it in a transaction."""
    if not _SCHEMA_NAME.fullmatch(schema):
        raise ValueError(f"not a tenant schema name: {schema}")
    role = (
        f"SELECT platform.create_tenant_role({_literal(schema)});"
        if bootstrapped
        else f'CREATE ROLE "{schema}" NOLOGIN; GRANT "{schema}" TO CURRENT_USER;'
    )
    versions = ", ".join(f"({m.version}, {_literal(m.name)})" for m in migrations)
    replayed = migrations
    if baseline is not None:
        replayed = tuple(m for m in migrations if m.version > baseline.version)
    parts = [
        f'CREATE SCHEMA "{schema}";',
        role,
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{schema}";',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}"'
        f' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{schema}";',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}"'
        f' GRANT USAGE, SELECT ON SEQUENCES TO "{schema}";',
        f'CREATE TABLE "{schema}".schema_migrations (version int PRIMARY KEY,'
        " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());",
        baseline.for_schema(schema) if baseline is not None else "",
        f"SELECT set_config('search_path', '\"{schema}\", public', true);",
        *(f"{m.sql}\n;" for m in replayed),
        f'INSERT INTO "{schema}".schema_migrations (version, name) VALUES {versions};'
        if migrations
        else "",
        f'REVOKE ALL ON "{schema}".schema_migrations FROM "{schema}";',
    ]
    return "\n".join(p for p in parts if p)


async def tenant_roles_bootstrapped(conn: asyncpg.Connection) -> bool:
    """Whether tenant roles are made by `platform.create_tenant_role` (`shared.bootstrap`)."""
    return await _bootstrapped(conn, _CREATE_ROLE_FUNCTION)


async def drop_tenant_role(conn: asyncpg.Connection, tenant_id: str) -> None:
    """Drop a tenant's role after its schema is gone; nothing happens the second time."""
    schema = tenant_schema(tenant_id)
    if await _bootstrapped(conn, _DROP_ROLE_FUNCTION):
        await conn.execute("SELECT platform.drop_tenant_role($1)", schema)
    elif await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", schema):
        await conn.execute(f'DROP OWNED BY "{schema}"')
        await conn.execute(f'DROP ROLE "{schema}"')


if __name__ == "__main__":
    from shared.migrate_cli import main

    raise SystemExit(main())
