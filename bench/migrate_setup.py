"""Thousands of tenant schemas for the migration bench, fast, made by the product's own code.

`shared.migrate.create_tenant_schema` (what the provisioner runs for a tenant and for a spare)
sends ~70 statements, one round trip each: with 10,000 schemas on a loaded 2-core machine the
round trips, not the DDL, set the pace. Here that very function runs once per tenant against
a *recording* connection that answers its catalog questions as a bootstrapped database does
(no schema yet, the role function present) and writes down every statement with its
parameters inlined; the scripts of `per_round_trip` tenants then go to Postgres in one
transaction and one round trip. Same statements, same order, same roles (through
`platform.create_tenant_role`, granted to the service logins), same default privileges;
`fingerprint` compares a schema made this way with one made by the function on a real
connection, and the bench refuses to go on if they differ.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import asyncpg

from devstack.infra import LocalInfra, free_port
from shared.db import tenant_schema
from shared.migrate import Migration, create_tenant_schema, fresh_schema_script
from shared.tenant_baseline import load_baseline

_PARAM = re.compile(r"\$(\d+)\b")
_SETUP_MODE = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class _Recorder:
    """Enough of `asyncpg.Connection` for `create_tenant_schema` in a bootstrapped database."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    async def execute(self, query: str, *args: object) -> str:
        if args:
            query = _PARAM.sub(lambda m: _literal(args[int(m.group(1)) - 1]), query)
        self.statements.append(query.strip().rstrip(";"))
        return ""

    async def fetchval(self, query: str, *_args: object) -> object:
        if "to_regprocedure" in query:
            return True  # shared.bootstrap made platform.create_tenant_role
        if "to_regnamespace" in query:
            return False  # the schema: made by the script's CREATE SCHEMA just before
        if "to_regclass" in query:
            return True  # schema_migrations is not there yet
        raise RuntimeError(f"the recorder cannot answer {query!r}")

    async def fetch(self, query: str, *_args: object) -> list[object]:
        if "schema_migrations" in query:
            return []  # a new schema has no migration applied
        raise RuntimeError(f"the recorder cannot answer {query!r}")


async def creation_script(tenant_id: str, migrations: tuple[Migration, ...]) -> str:
    """The statements that make `tenant_id`'s schema, as one script: the provisioner's spare
    script from the tenant baseline when the baseline covers `migrations` (what a purchase
    gets), else the statements `create_tenant_schema` sends (every migration replayed)."""
    baseline = load_baseline(migrations)
    if baseline is not None:
        return fresh_schema_script(
            tenant_schema(tenant_id), migrations, bootstrapped=True, baseline=baseline
        )
    recorder = _Recorder()
    await create_tenant_schema(recorder, tenant_id, migrations)
    return ";\n".join(recorder.statements) + ";\n"


def registration(tenant_id: str, number: int) -> str:
    """Its business row and its `platform.tenants` row (an active tenant on the main server)."""
    schema = tenant_schema(tenant_id)
    return (
        f"INSERT INTO \"{schema}\".business (name) VALUES ('Салон');\n"
        "INSERT INTO platform.tenants (tenant_id, signup_id, business_name, timezone,"
        " owner_chat_id, buyer_chat_id, bot_id, bot_username, bot_token_sealed, delivery,"
        f" status, plan_code, paid_until) VALUES ('{tenant_id}', '{tenant_id}', 'Салон',"
        f" 'Europe/Moscow', 1, 1, {number:d}, '{tenant_id}_bot', 'sealed', 'polling', 'active',"
        " 'm1', now() + interval '30 days');\n"
    )


async def make_tenants(
    pool: asyncpg.Pool,
    tenant_ids: Sequence[str],
    migrations: tuple[Migration, ...],
    *,
    per_round_trip: int,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> float:
    """Register `tenant_ids` (schemas, roles, rows), `workers` transactions at a time, each
    with `per_round_trip` tenants in one round trip; returns schemas per second."""
    started = time.perf_counter()
    chunks = [
        [(int(t.removeprefix("mig")), t) for t in tenant_ids[i : i + per_round_trip]]
        for i in range(0, len(tenant_ids), per_round_trip)
    ]
    made = 0

    async def worker() -> None:
        nonlocal made
        while chunks:
            chunk = chunks.pop(0)
            script = "".join(
                [await creation_script(tid, migrations) + registration(tid, n) for n, tid in chunk]
            )
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(script)
            made += len(chunk)
            if progress is not None:
                progress(made)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return len(tenant_ids) / (time.perf_counter() - started)


_FINGERPRINT = """
SELECT
  (SELECT array_agg(format('%s %s %s %s', c.relname, c.relkind, a.attname,
      format_type(a.atttypid, a.atttypmod)))
     FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = n.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
  (SELECT array_agg(format('%s %s', c.relname, replace(pg_get_indexdef(i.indexrelid), n.nspname,
      '_'))) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE c.relnamespace = n.oid) AS indexes,
  (SELECT array_agg(format('%s %s', co.conname, replace(pg_get_constraintdef(co.oid),
      n.nspname, '_'))) FROM pg_constraint co WHERE co.connamespace = n.oid)
     AS constraints,
  (SELECT array_agg(format('%s %s', c.relname, replace(c.relacl::text, n.nspname, '_'))
     ) FROM pg_class c WHERE c.relnamespace = n.oid) AS acls,
  (SELECT array_agg(replace(d.defaclacl::text, n.nspname, '_'))
     FROM pg_default_acl d WHERE d.defaclnamespace = n.oid) AS default_acls,
  replace(n.nspacl::text, n.nspname, '_') AS schema_acl,
  pg_get_userbyid(n.nspowner) AS owner,
  (SELECT array_agg(pg_get_userbyid(m.member)::text) FROM pg_auth_members m
     WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = n.nspname)) AS role_members
FROM pg_namespace n WHERE n.nspname = $1
"""


async def fingerprint(pool: asyncpg.Pool, schema: str) -> dict[str, object]:
    """What a tenant schema is made of (columns, indexes, constraints, rights, role members),
    with its own name taken out so two schemas compare."""
    row = await pool.fetchrow(_FINGERPRINT, schema)
    if row is None:
        raise RuntimeError(f"no schema {schema}")
    found: dict[str, object] = {
        key: sorted(value) if isinstance(value, list) else value for key, value in row.items()
    }
    found["migrations"] = [
        r["name"] for r in await pool.fetch(f'SELECT name FROM "{schema}".schema_migrations')
    ]
    return found


async def check_same_as_product(
    pool: asyncpg.Pool, made_fast: str, migrations: tuple[Migration, ...]
) -> None:
    """A schema made by `create_tenant_schema` itself must equal one of the fast ones."""
    reference_id = "migref"
    async with pool.acquire() as conn, conn.transaction():
        await create_tenant_schema(conn, reference_id, migrations)
    try:
        expected = await fingerprint(pool, tenant_schema(reference_id))
        got = await fingerprint(pool, made_fast)
    finally:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f'DROP SCHEMA "{tenant_schema(reference_id)}" CASCADE')
            await conn.execute("SELECT platform.drop_tenant_role($1)", tenant_schema(reference_id))
    differ = [key for key in expected if expected[key] != got[key]]
    if differ:
        raise RuntimeError(f"the fast schemas differ from the product's in {differ}")


def start_cluster(infra: LocalInfra, kept: Path | None) -> str:
    """A temporary private cluster, or the one kept in `kept` (made there the first time)."""
    if kept is None:
        return infra.start_private_postgres()
    data = kept.resolve() / "data"
    if not (data / "PG_VERSION").exists():
        made = LocalInfra()
        made.folders = []  # keep its folder: it is the cluster
        made.start_private_postgres()
        assert made.pg_data is not None
        made.stop_postgres()
        kept.mkdir(parents=True, exist_ok=True)
        made.pg_data.rename(data)
    infra.pg_data, infra.pg_port = data, free_port()
    infra.pg_as_nobody = os.geteuid() == 0
    infra.start_postgres()
    infra.postgres_url = f"postgresql://postgres@127.0.0.1:{infra.pg_port}/postgres"
    return infra.postgres_url


async def durability(server: str, *, relaxed: bool) -> None:
    admin = await asyncpg.connect(server)
    try:
        for name, value in _SETUP_MODE.items():
            if relaxed:
                await admin.execute(f"ALTER SYSTEM SET {name} = {value}")
            else:
                await admin.execute(f"ALTER SYSTEM RESET {name}")
        await admin.execute("SELECT pg_reload_conf()")
        if not relaxed:
            await admin.execute("CHECKPOINT")
    finally:
        await admin.close()
