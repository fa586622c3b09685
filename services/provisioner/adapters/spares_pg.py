"""Spare tenant schemas in Postgres: made ahead of purchases, claimed (renamed) at purchase.

Creating a tenant's schema is ~15 tables, ~30 indexes and their catalog rows: a quarter of a
second of DDL, most of a purchase's time. A spare is that work done ahead: a tenant schema and
its role, both named `t_spare_<12 hex>`, at the latest tenant migration, recorded in
`platform.spare_schemas` in the transaction that made it (so a spare is complete or absent).
Spares are not tenants: they are not in `platform.tenants`, so the console, the metrics and
the lifecycle never see them; the migration runner lists them apart.

`claim_spare` runs inside a purchase's transaction: it takes the oldest spare nobody holds
(`FOR UPDATE SKIP LOCKED`: a spare being migrated is passed over), renames its role through
the SECURITY DEFINER `platform.rename_spare_role` (the provisioner may not rename roles
itself) and its schema to the tenant's, and applies any migration newer than the spare. All
of it sits in a savepoint: a refused rename leaves the spare in the pool and the caller
creates the schema directly, as it does when the pool is empty.
"""

from __future__ import annotations

import logging
import re
import secrets

import asyncpg

from shared.db import tenant_schema
from shared.migrate import (
    Migration,
    apply_migrations,
    fresh_schema_script,
    tenant_roles_bootstrapped,
)
from shared.tenant_baseline import load_baseline

log = logging.getLogger(__name__)
SPARE_PREFIX = "spare_"
_RENAME_FUNCTION = "platform.rename_spare_role(text,text)"
_SPARE_NAME = re.compile(r"^t_spare_[0-9a-f]{12}$")


def new_spare_id() -> str:
    """A spare's id (its schema and role are `t_<id>`); random, as roles are server-wide."""
    return f"{SPARE_PREFIX}{secrets.token_hex(6)}"


async def claim_spare(
    conn: asyncpg.Connection, tenant_id: str, migrations: tuple[Migration, ...]
) -> bool:
    """Turn a spare into `tenant_id`'s schema and role in the caller's transaction; False when
    there is none to take (the caller then creates the schema itself)."""
    schema = tenant_schema(tenant_id)
    try:
        async with conn.transaction():  # a savepoint: a refusal leaves the spare in the pool
            taken = await conn.fetchrow(
                "DELETE FROM platform.spare_schemas WHERE schema_name = ("
                " SELECT schema_name FROM platform.spare_schemas ORDER BY created_at"
                " LIMIT 1 FOR UPDATE SKIP LOCKED)"
                " RETURNING schema_name, to_regprocedure($1) IS NOT NULL AS bootstrapped",
                _RENAME_FUNCTION,
            )
            if taken is None:
                return False
            spare = str(taken["schema_name"])
            if not _SPARE_NAME.fullmatch(spare):
                raise ValueError(f"not a spare: {spare}")
            # One round trip: both names are ours (checked patterns), never a user's text.
            rename_role = (
                f"SELECT platform.rename_spare_role('{spare}', '{schema}');"
                if taken["bootstrapped"]
                # a development database run by a superuser, without shared.bootstrap
                else f'ALTER ROLE "{spare}" RENAME TO "{schema}";'
            )
            await conn.execute(
                f'{rename_role} ALTER SCHEMA "{spare}" RENAME TO "{schema}";'
                f" SELECT pg_advisory_xact_lock(hashtext('migrate:{schema}'));"
            )
    except asyncpg.PostgresError as error:
        log.warning("spare for %s refused (%s); creating the schema directly", tenant_id, error)
        return False
    applied = {
        row["version"]
        for row in await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')
    }
    if any(m.version not in applied for m in migrations):  # the spare predates a migration
        await apply_migrations(conn, schema, migrations)
    return True


class PgSpareSchemas:
    def __init__(self, pool: asyncpg.Pool, tenant_migrations: tuple[Migration, ...]) -> None:
        self._pool = pool
        self._migrations = tenant_migrations
        self._bootstrapped: bool | None = None
        self._baseline = load_baseline(tenant_migrations)

    async def count(self) -> int:
        return int(await self._pool.fetchval("SELECT count(*) FROM platform.spare_schemas"))

    async def make_one(self) -> str:
        """One more spare at the latest tenant migration; returns its schema."""
        return (await self.make(1))[0]

    async def make(self, count: int) -> list[str]:
        """`count` more spares in one transaction and one round trip (`fresh_schema_script`
        each, then their pool rows); returns their schemas."""
        schemas = [tenant_schema(new_spare_id()) for _ in range(count)]
        async with self._pool.acquire() as conn, conn.transaction():
            if self._bootstrapped is None:
                self._bootstrapped = await tenant_roles_bootstrapped(conn)
            rows = ", ".join(f"('{schema}')" for schema in schemas)
            await conn.execute(
                "\n".join(
                    fresh_schema_script(
                        s,
                        self._migrations,
                        bootstrapped=self._bootstrapped,
                        baseline=self._baseline,
                    )
                    for s in schemas
                )
                + f"\nINSERT INTO platform.spare_schemas (schema_name) VALUES {rows};"
            )
        return schemas
