"""A new tenant migration over thousands of schemas while bookings go on.

    python -m bench.migrate [--schemas 10000] [--kill-after-batches N] [--cluster DIR]

On a private Postgres cluster (tenant roles are server-wide: thousands of them must not land
on a shared server), bootstrapped like a deployment, in the bench's own database: N tenant
schemas made by the product's `create_tenant_schema` (sent a batch of tenants per round trip,
see `bench.migrate_setup`; durability is relaxed while they are made and restored, with a
checkpoint, before anything is measured). Then the booking load starts (customers booking and
cancelling through booking's own repository code, as the booking login under each tenant's
role, on a few tenants) and `python -m shared.migrate` applies a representative migration (a
column with a default and an index on `bookings`, the table the load writes) to every schema.
With `--kill-after-batches N` the first run is killed with SIGKILL once N batches are
recorded and a second run finishes the rest. Prints schemas/s, the wall time against the
target (10,000 schemas in <= 5 min), the CPU seconds of the runner and of Postgres, the load's
operations and errors (must be 0), what the rerun did, and the machine's load; writes
`bench/results/migrate-*.json`. The database is dropped at the end.

`--cluster DIR` keeps the private cluster in DIR with the made schemas as a template database
(`bench_migrate_seed_<N>_<migrations>`): a later run with the same N and migrations copies it
instead of making the schemas again (the bench's database is still its own, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.harness import say, write_results
from bench.migrate_load import Load, add_catalog, book_and_cancel
from bench.migrate_setup import check_same_as_product, durability, make_tenants, start_cluster
from bench.procstat import Group, cpu_seconds, postmaster_pid
from devstack.database import database_url, prepare_database
from devstack.infra import LocalInfra
from shared.db import tenant_schema
from shared.migrate import load_migrations, migrate_schema, shared_migrations
from shared.migrate_online import target_key

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS_10K = 300
DATABASE = "bench_migrate"
VERSION = 999
# A column with a default and an index on the table the load writes, written as the README
# says a column with a default is to be added to every tenant: `ADD COLUMN ... DEFAULT` in
# one statement makes Postgres scan all of pg_depend (~680 rows per tenant schema) for uses
# of the table's row type, so each schema costs more the more schemas exist (0.3 s at 1,800).
MIGRATION = """-- bench: a representative change on the hottest table
ALTER TABLE bookings ADD COLUMN reminder_channel text;
ALTER TABLE bookings ALTER COLUMN reminder_channel SET DEFAULT 'telegram';
UPDATE bookings SET reminder_channel = DEFAULT WHERE reminder_channel IS NULL;
ALTER TABLE bookings ALTER COLUMN reminder_channel SET NOT NULL;
CREATE INDEX bookings_reminder_channel_idx ON bookings (reminder_channel, starts_at);
"""
ONE_STATEMENT = """-- bench: the same change, the column added with its default in one statement
ALTER TABLE bookings ADD COLUMN reminder_channel text NOT NULL DEFAULT 'telegram';
CREATE INDEX bookings_reminder_channel_idx ON bookings (reminder_channel, starts_at);
"""
CPU_MARKS = (1_000, 5_000, 10_000)


def tenant_ids(count: int) -> list[str]:
    return [f"mig{n:05d}" for n in range(count)]


async def make_seed(server: str, name: str, args: argparse.Namespace) -> float:
    """The database `name` with `args.schemas` registered tenants; returns schemas/s. A
    database left by an interrupted setup is completed: its tenants are kept, the missing
    ones made, any beyond the count dropped."""
    admin = await asyncpg.connect(server)
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    await durability(server, relaxed=True)
    logins = await asyncio.to_thread(prepare_database, database_url(server, name))
    pool = await asyncpg.create_pool(logins["provisioner"], min_size=1, max_size=args.workers)
    try:
        await migrate_schema(
            pool, "platform", load_migrations(ROOT / "services/provisioner/migrations")
        )
        wanted = tenant_ids(args.schemas)
        present = {
            r["tenant_id"] for r in await pool.fetch("SELECT tenant_id FROM platform.tenants")
        }
        await drop_tenants(pool, sorted(present - set(wanted)))
        missing = [t for t in wanted if t not in present]
        say(f"• {len(missing)} tenant schemas to make, {args.per_round_trip} per round trip")
        started = time.perf_counter()

        def progress(made: int) -> None:
            if made % 500 < args.per_round_trip:
                rate = made / (time.perf_counter() - started)
                say(f"  ... {made}/{len(missing)} schemas, {rate:.1f}/s")

        migrations = shared_migrations("tenant")
        rate = await make_tenants(
            pool,
            missing,
            migrations,
            per_round_trip=args.per_round_trip,
            workers=args.workers,
            progress=progress,
        )
        await check_same_as_product(pool, tenant_schema("mig00000"), migrations)
        await add_catalog(pool, tenant_ids(min(args.load_tenants, args.schemas)))
    finally:
        await pool.close()
        await durability(server, relaxed=False)
    return rate


async def drop_tenants(pool: asyncpg.Pool, tenants: list[str]) -> None:
    for tenant_id in tenants:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f'DROP SCHEMA IF EXISTS "{tenant_schema(tenant_id)}" CASCADE')
            await conn.execute("SELECT platform.drop_tenant_role($1)", tenant_schema(tenant_id))
            await conn.execute("DELETE FROM platform.tenants WHERE tenant_id = $1", tenant_id)


async def own_database(server: str, args: argparse.Namespace) -> float | None:
    """The bench's database with its tenants; schemas/s when they were made by this run."""
    if not args.cluster:
        return await make_seed(server, DATABASE, args)
    key = target_key(shared_migrations("tenant"))[-8:]
    seed = f"bench_migrate_seed_{args.schemas}_{key}"
    admin = await asyncpg.connect(server)
    try:
        made = None
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", seed):
            partial = f"bench_migrate_partial_{key}"  # renamed to the seed once complete
            made = await make_seed(server, partial, args)
            await admin.execute(f'ALTER DATABASE "{partial}" RENAME TO "{seed}"')
        if args.use_up:
            say(f"• using the database {seed} up (it is dropped at the end)")
            await admin.execute(f'ALTER DATABASE "{seed}" RENAME TO "{DATABASE}"')
            return made
        say(f"• copying the template database {seed}")
        await admin.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE "{seed}" STRATEGY FILE_COPY')
        return made
    finally:
        await admin.close()


def run_migrate(url: str, folder: Path, args: argparse.Namespace) -> subprocess.Popen[str]:
    runner = subprocess.Popen(  # noqa: S603 - our interpreter, our module
        [
            sys.executable,
            "-m",
            "shared.migrate",
            "--migrations-dir",
            str(folder),
            "--batch-size",
            str(args.batch_size),
            "--concurrency",
            str(args.concurrency),
            "--fresh-connections-every",
            str(args.fresh_connections_every),
        ],
        cwd=folder,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    args.runners.append(runner.pid)
    return runner


def spy_on(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling a process (the rerun's runner) into a flame graph."""
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen(  # noqa: S603 - the dev dependency's binary
        [binary, "record", "-r", "25", "-o", str(output), "--pid", str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def migrate_with_kill(
    provisioner: asyncpg.Pool, url: str, folder: Path, args: argparse.Namespace
) -> dict[str, object]:
    """One run of `python -m shared.migrate`, or a run killed after N batches and a rerun."""
    found: dict[str, object] = {}
    if args.kill_after_batches:
        first = run_migrate(url, folder, args)
        key = target_key(load_migrations(folder))
        done = None
        while first.poll() is None:
            done = await provisioner.fetchval(
                "SELECT batches_done FROM platform.migration_runs WHERE target = $1"
                " AND finished_at IS NULL",
                key,
            )
            if done is not None and done >= args.kill_after_batches:
                first.send_signal(signal.SIGKILL)
                break
            await asyncio.sleep(0.05)
        await asyncio.to_thread(first.wait)
        found["killed_after_batches"] = done
        found["first_exit"] = first.returncode
        found["done_before_kill"] = await provisioner.fetchval(
            "SELECT count(*) FROM platform.migration_results WHERE ok"
        )
        found["first_seconds"] = round(time.perf_counter() - args.started, 1)
        say(
            f"  first run SIGKILLed after {done} batches (exit {first.returncode}),"
            f" {found['done_before_kill']} schemas recorded done"
        )
    second = run_migrate(url, folder, args)
    spy = spy_on(second.pid, args.py_spy) if args.py_spy else None
    out, _ = await asyncio.to_thread(second.communicate)
    if spy is not None:
        await asyncio.to_thread(spy.wait, 60)
    found["rerun_output"] = out.strip()
    if second.returncode != 0:
        raise RuntimeError(f"shared.migrate exited {second.returncode}: {out}")
    return found


async def not_migrated(pool: asyncpg.Pool, count: int) -> int:
    """Schemas without the bench migration recorded, checked in each schema."""
    ids = tenant_ids(count)
    missing = 0
    for start in range(0, count, 500):
        union = " UNION ALL ".join(
            f'SELECT count(*) AS n FROM "{tenant_schema(t)}".schema_migrations'
            f" WHERE version = {VERSION}"
            for t in ids[start : start + 500]
        )
        done = await pool.fetchval(f"SELECT sum(n) FROM ({union}) AS found")
        missing += len(ids[start : start + 500]) - int(done)
    return missing


@dataclass(frozen=True, slots=True)
class Sample:
    done: int  # schemas recorded done
    cpu: float  # CPU seconds of the runners and Postgres, the load's backends taken out


async def sample_cpu(
    pool: asyncpg.Pool, postgres: Group, args: argparse.Namespace, base: tuple[float, float]
) -> Sample:
    """Schemas done and the migration's CPU so far (reaped runners through the children's
    rusage, the live one from /proc)."""
    done = await pool.fetchval("SELECT count(*) FROM platform.migration_results WHERE ok")
    runners = children_cpu() + sum(cpu_seconds(pid) for pid in args.runners)
    load = await backends_cpu(pool, "bookbots_booking")
    return Sample(int(done), runners + postgres.cpu() - load - base[0] - base[1])


async def keep_sampling(
    pool: asyncpg.Pool,
    postgres: Group,
    args: argparse.Namespace,
    base: tuple[float, float],
    samples: list[Sample],
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        samples.append(await sample_cpu(pool, postgres, args, base))
        if len(samples) % 30 == 0:
            last = samples[-1]
            say(
                f"  ... {last.done} schemas done at {time.perf_counter() - args.started:.0f} s,"
                f" {last.cpu * 1000 / max(last.done, 1):.1f} ms CPU per schema so far,"
                f" load {' '.join(loadavg())}"
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def cpu_by_mark(samples: list[Sample], schemas: int) -> dict[str, float]:
    """CPU ms per schema between the marks (the first sample past 1,000 done, 5,000, ...)."""
    found: dict[str, float] = {}
    previous = Sample(0, 0.0)
    for mark in (m for m in CPU_MARKS if m <= schemas):
        reached = next((s for s in samples if s.done >= mark), None)
        if reached is None or reached.done == previous.done:
            break
        ms = (reached.cpu - previous.cpu) * 1000 / (reached.done - previous.done)
        found[f"{previous.done}-{reached.done}"] = round(ms, 1)
        previous = reached
    return found


def loadavg() -> list[str]:
    return [f"{value:.2f}" for value in os.getloadavg()]


async def backends_cpu(pool: asyncpg.Pool, login: str) -> float:
    """CPU seconds used so far by the live backends of `login` (the load's connections)."""
    pids = await pool.fetch("SELECT pid FROM pg_stat_activity WHERE usename = $1", login)
    return sum(cpu_seconds(row["pid"]) for row in pids)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def bench(args: argparse.Namespace, server: str, postgres: Group) -> dict[str, object]:
    creation_rate = await own_database(server, args)
    try:
        results = await measure(args, server, postgres, creation_rate)
        report(results)  # before the drop: dropping 10,000 schemas takes minutes
        return results
    finally:
        admin = await asyncpg.connect(server)
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.close()
        say(f"• dropped the database {DATABASE}")


async def measure(
    args: argparse.Namespace, server: str, postgres: Group, creation_rate: float | None
) -> dict[str, object]:
    logins = await asyncio.to_thread(prepare_database, database_url(server, DATABASE))
    provisioner = await asyncpg.create_pool(logins["provisioner"], min_size=1, max_size=4)
    booking = await asyncpg.create_pool(logins["booking"], min_size=1, max_size=args.load_workers)
    loaded = tenant_ids(min(args.load_tenants, args.schemas))
    uptime_before = loadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for shipped in (ROOT / "shared/migrations/tenant").glob("*.sql"):
            (folder / shipped.name).write_text(shipped.read_text("utf-8"), "utf-8")
        (folder / f"{VERSION:04d}_bench_reminder_channel.sql").write_text(
            ONE_STATEMENT if args.one_statement else MIGRATION, "utf-8"
        )
        load, stop = Load(), asyncio.Event()
        workers = [
            asyncio.create_task(book_and_cancel(booking, loaded, load, stop, w))
            for w in range(args.load_workers)
        ]
        say(f"• migrating {args.schemas} schemas under a booking load on {len(loaded)} tenants")
        await asyncio.sleep(0.5)  # the load's connections are open
        load_backends_0 = await backends_cpu(provisioner, "bookbots_booking")
        cpu = (children_cpu(), postgres.cpu(), time.process_time())
        base = (cpu[0], cpu[1] - load_backends_0)
        samples: list[Sample] = []
        sampled = asyncio.Event()
        sampler = asyncio.create_task(
            keep_sampling(provisioner, postgres, args, base, samples, sampled)
        )
        args.started = time.perf_counter()
        try:
            runs = await migrate_with_kill(provisioner, logins["provisioner"], folder, args)
        finally:
            seconds = time.perf_counter() - args.started
            sampled.set()
            await sampler
            samples.append(await sample_cpu(provisioner, postgres, args, base))
            runner_cpu, pg_cpu = children_cpu() - cpu[0], postgres.cpu() - cpu[1]
            load_backends = await backends_cpu(provisioner, "bookbots_booking") - load_backends_0
            stop.set()
            await asyncio.gather(*workers)
            load_cpu = time.process_time() - cpu[2]
    missing = await not_migrated(provisioner, args.schemas)
    retried = await provisioner.fetchrow(
        "SELECT count(*) FILTER (WHERE attempts > 1) AS schemas, sum(attempts - 1) AS retries"
        " FROM platform.migration_results"
    )
    await provisioner.close()
    await booking.close()
    return {
        "schemas": args.schemas,
        "schema_creation_per_second": None if creation_rate is None else round(creation_rate, 1),
        "migrate_seconds": round(seconds, 1),
        "schemas_per_second": round(args.schemas / seconds, 1),
        "target_10k_seconds": TARGET_SECONDS_10K,
        "runner_cpu_seconds": round(runner_cpu, 1),
        "postgres_cpu_seconds": round(pg_cpu, 1),
        "postgres_cpu_of_load_seconds": round(load_backends, 1),
        "cpu_ms_per_schema": round((runner_cpu + pg_cpu - load_backends) * 1000 / args.schemas, 2),
        "cpu_ms_per_schema_by_done": cpu_by_mark(samples, args.schemas),
        "fresh_connections_every": args.fresh_connections_every,
        "one_statement": args.one_statement,
        "lock_retried_schemas": retried["schemas"],
        "lock_retries": retried["retries"] or 0,
        "load_process_cpu_seconds": round(load_cpu, 1),
        "schemas_not_migrated": missing,
        "booking_ops": load.ops,
        "booking_errors": len(load.errors),
        "first_errors": load.errors[:5],
        "booking_latency": load.latencies.summary(),
        "loadavg_before": uptime_before,
        "loadavg_after": loadavg(),
        "batch_size": args.batch_size,
        "concurrency": args.concurrency,
        **runs,
    }


def report(results: dict[str, object]) -> None:
    say()
    say(
        f"{results['schemas']} schemas migrated in {results['migrate_seconds']} s"
        f" ({results['schemas_per_second']} schemas/s; target {TARGET_SECONDS_10K} s for 10,000),"
        f" not migrated: {results['schemas_not_migrated']}"
    )
    say(
        f"CPU: runner {results['runner_cpu_seconds']} s, Postgres {results['postgres_cpu_seconds']}"
        f" s (of which the load's backends {results['postgres_cpu_of_load_seconds']} s):"
        f" {results['cpu_ms_per_schema']} ms per schema for the migration; load process"
        f" {results['load_process_cpu_seconds']} s"
    )
    say(
        "CPU ms per schema, runner + Postgres without the load, between schemas done:"
        f" {results['cpu_ms_per_schema_by_done']}"
    )
    say(
        f"lock_timeout retries: {results['lock_retries']} on {results['lock_retried_schemas']}"
        f" schemas (batch {results['batch_size']}, {results['concurrency']} at a time)"
    )
    say(
        f"booking load: {results['booking_ops']} book+cancel, errors {results['booking_errors']},"
        f" latency {results['booking_latency']}"
    )
    if "killed_after_batches" in results:
        say(
            f"kill: SIGKILL after {results['killed_after_batches']} batches at"
            f" {results['first_seconds']} s, {results['done_before_kill']} schemas done before"
        )
    say(f"rerun: {results['rerun_output']}")
    if results["schema_creation_per_second"] is not None:
        say(
            "schema creation (setup, not measured above):"
            f" {results['schema_creation_per_second']}/s"
        )
    say(f"load average before/after: {results['loadavg_before']} / {results['loadavg_after']}")
    for error in results["first_errors"]:  # type: ignore[attr-defined]
        say(f"  booking error: {error}")
    say(f"\nwritten to {write_results('migrate', results)}")


def run(args: argparse.Namespace) -> dict[str, object]:
    """The whole bench on its private cluster (temporary, or kept in `args.cluster`)."""
    args.runners = []
    infra = LocalInfra()
    try:
        server = start_cluster(infra, args.cluster)
        pid = postmaster_pid(infra.pg_data) if infra.pg_data else None
        postgres = Group("postgres", (pid,) if pid else (), children=True)
        return asyncio.run(bench(args, server, postgres))
    finally:
        infra.close()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.migrate", description=__doc__)
    parser.add_argument("--schemas", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="setup transactions at a time")
    parser.add_argument("--per-round-trip", type=int, default=10, help="setup tenants per trip")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4, help="schemas migrated at a time")
    parser.add_argument("--kill-after-batches", type=int, default=0)
    parser.add_argument("--load-tenants", type=int, default=5)
    parser.add_argument("--load-workers", type=int, default=4)
    parser.add_argument("--cluster", type=Path, default=None, help="keep the cluster here")
    parser.add_argument("--fresh-connections-every", type=int, default=1, help="batches")
    parser.add_argument(
        "--one-statement",
        action="store_true",
        help="add the column with its default in one statement (the slow form, to compare)",
    )
    parser.add_argument("--py-spy", type=Path, default=None, help="flame graph of the rerun")
    parser.add_argument(
        "--use-up", action="store_true", help="with --cluster: measure on the kept schemas, no copy"
    )
    return parser


def main() -> None:
    run(parser().parse_args())


if __name__ == "__main__":
    main()
