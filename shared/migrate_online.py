"""Tenant migrations over every schema, online, resumable, failure-tolerant.

- **Online**: every schema is migrated in its own short transaction under a `lock_timeout`, so
  a booking that holds a tenant's table waits at most that long behind the migration; a
  schema whose lock is not granted in time is retried after a pause (`retries` times).
- **Batches**: schemas go in batches of `batch_size`, `concurrency` at a time; the run's row
  counts the batches done.
- **Resumable**: each schema's result is written to `platform.migration_results` in the very
  transaction that migrates it. A run is keyed by its migration set; a run of the same set
  that never finished (killed, crashed) is resumed: the schemas it did are skipped, the rest
  (and the ones that failed) are done.
- **Failures**: a schema that fails (broken, missing, lock never granted) is recorded with its
  error and reported; the others go on.
- **Spares** (pre-created tenant schemas, `platform.spare_schemas`) are migrated like tenants,
  each under its row's lock, so one is never handed out half-migrated; a spare claimed in the
  meantime is skipped (its buyer's transaction brings it up to date).
- **Several servers**: a tenant whose schema lives on another Postgres server
  (`platform.tenants.db_server`) is migrated there and recorded here once that commits.

`plan` is the dry run: the pending migrations of each schema, nothing changed.
The tables live in the `platform` schema (the provisioner's migration 0013); the runner uses
the provisioner's login, the owner of every tenant schema.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg

from shared.migrate import Migration
from shared.settings import MAIN_DATABASE_SERVER as MAIN_SERVER

_RETRIABLE = (
    asyncpg.LockNotAvailableError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


@dataclass(frozen=True, slots=True)
class Target:
    schema: str
    spare: bool = False
    server: str = MAIN_SERVER  # the Postgres server the schema lives on (spares: main)


@dataclass(frozen=True, slots=True)
class Pending:
    schema: str
    spare: bool
    migrations: tuple[str, ...]  # names; empty when up to date
    missing: bool = False  # the schema does not exist


@dataclass(frozen=True, slots=True)
class Failure:
    schema: str
    error: str


@dataclass(frozen=True, slots=True)
class Options:
    batch_size: int = 100
    concurrency: int = 4
    lock_timeout_ms: int = 500
    retries: int = 20
    retry_pause_seconds: float = 0.2
    # Connections are replaced after this many batches (0: never). A backend keeps a cache
    # entry for every table it touched; thousands of schemas in one backend make each of its
    # invalidations and lookups slower and its memory grow.
    fresh_connections_every: int = 1


@dataclass(slots=True)
class RunReport:
    run_id: int
    resumed: bool
    tenants: int  # schemas of tenants in this run (those done before a resume included)
    spares: int
    already_done: int  # done by the run before it was resumed
    migrated: int = 0  # schemas that got at least one migration now
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


def target_key(migrations: Sequence[Migration]) -> str:
    """The identity of a migration set: its last version and a digest of every name."""
    names = ",".join(m.name for m in migrations)
    digest = hashlib.sha256(names.encode()).hexdigest()[:16]
    last = migrations[-1].version if migrations else 0
    return f"{last:04d}:{digest}"


async def targets(pool: asyncpg.Pool) -> list[Target]:
    """Every tenant schema not deleted (on whichever server it lives), then every spare."""
    tenants = await pool.fetch(
        "SELECT tenant_id, db_server FROM platform.tenants WHERE status <> 'deleted'"
        " ORDER BY tenant_id"
    )
    spares = await pool.fetch("SELECT schema_name FROM platform.spare_schemas ORDER BY 1")
    found = [Target(f"t_{row['tenant_id']}", server=row["db_server"]) for row in tenants]
    return found + [Target(row["schema_name"], spare=True) for row in spares]


ServerPool = Callable[[str], Awaitable[asyncpg.Pool]]


def _only_main(pool: asyncpg.Pool) -> ServerPool:
    async def pick(server: str) -> asyncpg.Pool:
        if server != MAIN_SERVER:
            raise ValueError(f"no pool for database server {server!r}")
        return pool

    return pick


async def plan(
    pool: asyncpg.Pool,
    schemas: Sequence[Target],
    migrations: Sequence[Migration],
    *,
    servers: ServerPool | None = None,
) -> list[Pending]:
    """What a run would apply to each schema (nothing is changed)."""
    server_pool = servers or _only_main(pool)

    async def one(target: Target) -> Pending:
        async with (await server_pool(target.server)).acquire() as conn:
            if await conn.fetchval("SELECT to_regnamespace($1) IS NULL", f'"{target.schema}"'):
                return Pending(target.schema, target.spare, (), missing=True)
            record = f'"{target.schema}".schema_migrations'
            applied: set[int] = set()
            if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", record):
                applied = {r["version"] for r in await conn.fetch(f"SELECT version FROM {record}")}
        names = tuple(m.name for m in migrations if m.version not in applied)
        return Pending(target.schema, target.spare, names)

    found: list[Pending] = []
    for start in range(0, len(schemas), 64):
        found += await asyncio.gather(*(one(t) for t in schemas[start : start + 64]))
    return found


async def _start_run(conn: asyncpg.Connection, key: str, count: int) -> tuple[int, bool, set[str]]:
    """(run id, resumed, schemas already done) — resuming the unfinished run of this set."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('migrate:runs'))")
        run_id = await conn.fetchval(
            "SELECT run_id FROM platform.migration_runs WHERE target = $1"
            " AND finished_at IS NULL ORDER BY run_id DESC LIMIT 1",
            key,
        )
        if run_id is None:
            run_id = await conn.fetchval(
                "INSERT INTO platform.migration_runs (target, schemas) VALUES ($1, $2)"
                " RETURNING run_id",
                key,
                count,
            )
            return int(run_id), False, set()
        await conn.execute(
            "UPDATE platform.migration_runs SET schemas = $2, resumed = resumed + 1"
            " WHERE run_id = $1",
            run_id,
            count,
        )
        rows = await conn.fetch(
            "SELECT schema_name FROM platform.migration_results WHERE run_id = $1 AND ok", run_id
        )
        return int(run_id), True, {row["schema_name"] for row in rows}


_RECORD = (
    "INSERT INTO platform.migration_results"
    " (run_id, schema_name, ok, applied, error, attempts) VALUES ({})"
    " ON CONFLICT (run_id, schema_name) DO UPDATE SET ok = excluded.ok,"
    " applied = excluded.applied, error = excluded.error,"
    " attempts = platform.migration_results.attempts + excluded.attempts, at = now()"
)


@dataclass(frozen=True, slots=True)
class _Success:
    """The record of a schema done, written by the script that migrates it (same round trip)."""

    run_id: int
    attempts: int

    def sql(self, schema: str, applied: int) -> str:
        name = "'" + schema.replace("'", "''") + "'"
        return _RECORD.format(f"{self.run_id:d}, {name}, true, {applied:d}, '', {self.attempts:d}")


async def _record(
    conn: asyncpg.Connection, run_id: int, schema: str, applied: int, error: str, attempts: int
) -> None:
    await conn.execute(
        _RECORD.format("$1, $2, $3, $4, $5, $6"),
        run_id,
        schema,
        not error,
        applied,
        error,
        attempts,
    )


class _Gone(Exception):
    """The schema is not there (a tenant's schema missing is an error; a spare claimed is not)."""


async def _migrate_in_tx(
    conn: asyncpg.Connection,
    target: Target,
    migrations: tuple[Migration, ...],
    lock_ms: int,
    success: _Success | None = None,
) -> int:
    # A commit need not wait for its WAL flush: the schema's change and its record in
    # `platform.migration_results` are one transaction, so a crash loses both and the next
    # run does the schema again.
    row = await conn.fetchrow(
        "SELECT set_config('lock_timeout', $1, true) AS _,"
        " set_config('synchronous_commit', 'off', true) AS ___,"
        " pg_advisory_xact_lock(hashtext($2)) AS __,"
        " (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $3) AS owner,"
        " current_user::text AS me",
        f"{lock_ms}ms",
        f"migrate:{target.schema}",
        target.schema,
    )
    assert row is not None  # a SELECT without FROM returns one row
    if target.spare and not await conn.fetchval(
        "SELECT 1 FROM platform.spare_schemas WHERE schema_name = $1 FOR UPDATE", target.schema
    ):
        raise _Gone("claimed")
    if row["owner"] is None:
        raise _Gone("the schema does not exist")
    # New tables get the tenant role's rights from the owner's default privileges: create
    # them as the owner even when an administrator runs the migration.
    if row["owner"] != row["me"]:
        await conn.execute("SELECT set_config('role', $1, true)", row["owner"])
    return await _apply(conn, target.schema, migrations, success)


async def _apply(
    conn: asyncpg.Connection,
    schema: str,
    migrations: tuple[Migration, ...],
    success: _Success | None,
) -> int:
    """`shared.migrate.apply_migrations` for a schema known to exist: the pending migrations,
    each with its record, and the run's `success` record, sent together as one script (one
    round trip); names and versions are checked by `load_migrations` (`NNNN_[a-z0-9_]+`), so
    they are safe to inline."""
    record = f'"{schema}".schema_migrations'
    applied = {row["version"] for row in await conn.fetch(f"SELECT version FROM {record}")}
    scripts = [
        f'SET LOCAL search_path = "{schema}", public;\n{migration.sql}\n;'
        f"INSERT INTO {record} (version, name)"
        f" VALUES ({migration.version:d}, '{migration.name}');"
        for migration in migrations
        if migration.version not in applied
    ]
    count = len(scripts)
    if success is not None:
        scripts.append(success.sql(schema, count))
    if scripts:
        await conn.execute("\n".join(scripts))
    return count


async def _one_elsewhere(
    pool: asyncpg.Pool,
    remote: asyncpg.Pool,
    run_id: int,
    target: Target,
    migrations: tuple[Migration, ...],
    options: Options,
) -> tuple[int, str]:
    """A tenant schema on another server: migrated in that server's transaction, recorded on
    the platform's after it commits (a kill in between is harmless: a rerun finds the
    versions applied and records the schema as unchanged)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            async with remote.acquire() as conn, conn.transaction():
                applied = await _migrate_in_tx(conn, target, migrations, options.lock_timeout_ms)
        except _Gone as gone:
            error = str(gone)
        except _RETRIABLE as busy:
            if attempts <= options.retries:
                await asyncio.sleep(options.retry_pause_seconds * min(attempts, 5))
                continue
            error = f"{type(busy).__name__}: {busy}"
        except asyncpg.PostgresError as failed:
            error = f"{type(failed).__name__}: {failed}"
        else:
            error = ""
        async with pool.acquire() as conn:
            await _record(
                conn, run_id, target.schema, 0 if error else applied, error[:2000], attempts
            )
        return (0, error) if error else (applied, "")


async def _one(
    pool: asyncpg.Pool,
    run_id: int,
    target: Target,
    migrations: tuple[Migration, ...],
    options: Options,
    servers: ServerPool,
) -> tuple[int, str]:
    """Migrate one schema; (migrations applied, error or '')."""
    if target.server != MAIN_SERVER:
        remote = await servers(target.server)
        return await _one_elsewhere(pool, remote, run_id, target, migrations, options)
    attempts = 0
    async with pool.acquire() as conn:
        while True:
            attempts += 1
            try:
                async with conn.transaction():
                    applied = await _migrate_in_tx(
                        conn,
                        target,
                        migrations,
                        options.lock_timeout_ms,
                        _Success(run_id, attempts),
                    )
            except _Gone as gone:
                error = "" if target.spare else str(gone)
                await _record(conn, run_id, target.schema, 0, error, attempts)
                return 0, error
            except _RETRIABLE as busy:
                if attempts <= options.retries:
                    await asyncio.sleep(options.retry_pause_seconds * min(attempts, 5))
                    continue
                error = f"{type(busy).__name__}: {busy}"
            except asyncpg.PostgresError as failed:
                error = f"{type(failed).__name__}: {failed}"
            else:
                return applied, ""
            await _record(conn, run_id, target.schema, 0, error[:2000], attempts)
            return 0, error


async def _run_batch(
    pool: asyncpg.Pool,
    run_id: int,
    batch: list[Target],
    migrations: tuple[Migration, ...],
    options: Options,
    report: RunReport,
    servers: ServerPool,
) -> None:
    queue: asyncio.Queue[Target] = asyncio.Queue()
    for target in batch:
        queue.put_nowait(target)

    async def worker() -> None:
        while not queue.empty():
            target = queue.get_nowait()
            applied, error = await _one(pool, run_id, target, migrations, options, servers)
            if error:
                report.failures.append(Failure(target.schema, error))
            elif applied:
                report.migrated += 1
            else:
                report.unchanged += 1

    await asyncio.gather(*(worker() for _ in range(min(options.concurrency, len(batch)))))


async def migrate_online(
    pool: asyncpg.Pool,
    schemas: Sequence[Target],
    migrations: tuple[Migration, ...],
    options: Options | None = None,
    *,
    on_batch: Callable[[int, int], None] | None = None,
    servers: ServerPool | None = None,
) -> RunReport:
    """Apply pending `migrations` to `schemas` (see the module's docstring); `pool` is the
    platform's database (the main server), `servers` opens the others' pools by name."""
    options = options or Options()
    server_pool = servers or _only_main(pool)
    if options.batch_size < 1 or options.concurrency < 1:
        raise ValueError("batch size and concurrency must be at least 1")
    started = time.perf_counter()
    key = target_key(migrations)
    async with pool.acquire() as conn:
        run_id, resumed, done = await _start_run(conn, key, len(schemas))
    report = RunReport(
        run_id=run_id,
        resumed=resumed,
        tenants=sum(not t.spare for t in schemas),
        spares=sum(t.spare for t in schemas),
        already_done=sum(t.schema in done for t in schemas),
    )
    remaining = [t for t in schemas if t.schema not in done]
    batches = [
        remaining[i : i + options.batch_size] for i in range(0, len(remaining), options.batch_size)
    ]
    for number, batch in enumerate(batches, start=1):
        await _run_batch(pool, run_id, batch, migrations, options, report, server_pool)
        if options.fresh_connections_every and number % options.fresh_connections_every == 0:
            await pool.expire_connections()
        await pool.execute(
            "UPDATE platform.migration_runs SET batches_done = batches_done + 1 WHERE run_id = $1",
            run_id,
        )
        if on_batch is not None:
            on_batch(number, len(batches))
    await pool.execute(
        "UPDATE platform.migration_runs SET finished_at = now(), failed = $2 WHERE run_id = $1",
        run_id,
        len(report.failures),
    )
    report.seconds = time.perf_counter() - started
    return report
