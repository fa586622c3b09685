"""A new tenant migration over thousands of schemas while bookings go on.

    python -m bench.migrate [--schemas 10000] [--kill-after-batches N] [--load-tenants 50]

On a private Postgres cluster (tenant roles are server-wide: thousands of them must not land
on a shared server), bootstrapped like a deployment: N tenant schemas made as the provisioner
makes them (the rate is printed: it is the cost a spare saves a purchase), then the booking
load starts (customers booking and cancelling through booking's own repository code, as the
booking login under each tenant's role) and `python -m shared.migrate` applies a
representative migration (a column with a default and an index on `bookings`, the table the
load writes) to every schema. With `--kill-after-batches N` the first run is killed with
SIGKILL once N batches are recorded and a second run finishes the rest. Prints the migration's
wall time against the target (10,000 schemas in <= 5 min), the booking load's operations,
errors (must be 0) and latency during the run; writes `bench/results/migrate-*.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench.harness import Latencies, say, table, write_results
from devstack.infra import LocalInfra, database_url, prepare_database
from services.booking.adapters import booking_repo
from shared.db import tenant_schema, tenant_tx
from shared.migrate import create_tenant_schema, load_migrations, migrate_schema
from shared.migrate_online import target_key

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS_10K = 300
MIGRATION = """-- bench: a representative change on the hottest table
ALTER TABLE bookings ADD COLUMN reminder_channel text NOT NULL DEFAULT 'telegram';
CREATE INDEX bookings_reminder_channel_idx ON bookings (reminder_channel, starts_at);
"""


@dataclass
class Load:
    ops: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: Latencies = field(default_factory=Latencies)


async def make_tenants(pool: asyncpg.Pool, count: int, workers: int) -> float:
    """`count` registered tenant schemas, `workers` at a time; returns schemas per second."""
    migrations = load_migrations(ROOT / "shared/migrations/tenant")
    started = time.perf_counter()
    made = 0

    async def one(number: int) -> None:
        tenant_id = f"mig{number:05d}"
        async with pool.acquire() as conn, conn.transaction():
            await create_tenant_schema(conn, tenant_id, migrations)
            schema = tenant_schema(tenant_id)
            await conn.execute(f"INSERT INTO \"{schema}\".business (name) VALUES ('Салон')")
            await conn.execute(
                "INSERT INTO platform.tenants (tenant_id, signup_id, business_name, timezone,"
                " owner_chat_id, buyer_chat_id, bot_id, bot_username, bot_token_sealed,"
                " delivery, status, plan_code, paid_until) VALUES ($1, $1, 'Салон',"
                " 'Europe/Moscow', 1, 1, $2, $3, 'sealed', 'polling', 'active', 'm1',"
                " now() + interval '30 days')",
                tenant_id,
                number,
                f"{tenant_id}_bot",
            )

    for start in range(0, count, workers):
        await asyncio.gather(*(one(n) for n in range(start, min(count, start + workers))))
        made = min(count, start + workers)
        if made % 500 < workers:
            rate = made / (time.perf_counter() - started)
            say(f"  ... {made}/{count} schemas, {rate:.1f}/s")
    return count / (time.perf_counter() - started)


async def add_catalog(pool: asyncpg.Pool, tenant_ids: list[str]) -> None:
    """A service and a master who does it (new tenants start with none)."""
    for tenant_id in tenant_ids:
        schema = tenant_schema(tenant_id)
        await pool.execute(
            f"INSERT INTO \"{schema}\".services (name, duration_min) VALUES ('Стрижка', 30);"
            f"INSERT INTO \"{schema}\".masters (name) VALUES ('Анна');"
            f'INSERT INTO "{schema}".master_services (master_id, service_id)'
            f' SELECT m.id, s.id FROM "{schema}".masters AS m, "{schema}".services AS s'
            " ON CONFLICT DO NOTHING"
        )


async def book_and_cancel(
    booking: asyncpg.Pool, tenant_ids: list[str], load: Load, stop: asyncio.Event, worker: int
) -> None:
    """One customer after another: book a free slot, then cancel it, as booking does."""
    slot = 0
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    while not stop.is_set():
        tenant_id = random.choice(tenant_ids)
        slot += 1
        started = time.perf_counter()
        try:
            async with tenant_tx(booking, tenant_id) as conn:
                customer = await booking_repo.upsert_customer(
                    conn, telegram_id=10_000 * worker + slot % 5000, name="Клиент"
                )
                service_id = await conn.fetchval("SELECT min(id) FROM services")
                master_id = await conn.fetchval("SELECT min(id) FROM masters")
                made = await booking_repo.create_booking(
                    conn,
                    customer_id=customer.id,
                    service_id=service_id,
                    master_id=master_id,
                    starts_at=day + timedelta(minutes=30 * (worker * 100_000 + slot)),
                    actor="customer",
                )
            async with tenant_tx(booking, tenant_id) as conn:
                await booking_repo.cancel_booking(
                    conn, made.id, cancelled_by="customer", actor="customer"
                )
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            load.errors.append(f"{tenant_id}: {type(error).__name__}: {error}")
        else:
            load.ops += 1
            load.latencies.add(time.perf_counter() - started)


def run_migrate(url: str, folder: Path, args: argparse.Namespace) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our interpreter, our module
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
        ],
        cwd=folder,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def migrate_with_kill(
    provisioner: asyncpg.Pool, url: str, folder: Path, args: argparse.Namespace
) -> list[str]:
    """One run of `python -m shared.migrate`, or a run killed after N batches and a rerun."""
    outputs = []
    done = None
    if args.kill_after_batches:
        first = run_migrate(url, folder, args)
        key = target_key(load_migrations(folder))
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
        say(f"  first run killed after {done} batches (exit {first.returncode})")
    second = run_migrate(url, folder, args)
    out, _ = await asyncio.to_thread(second.communicate)
    outputs.append(out.strip())
    if second.returncode != 0:
        raise RuntimeError(f"shared.migrate exited {second.returncode}: {out}")
    return outputs


async def bench(args: argparse.Namespace, server: str) -> dict[str, object]:
    admin = await asyncpg.connect(server)
    await admin.execute('CREATE DATABASE "bench_migrate"')
    await admin.close()
    logins = await asyncio.to_thread(prepare_database, database_url(server, "bench_migrate"))
    provisioner = await asyncpg.create_pool(logins["provisioner"], min_size=1, max_size=8)
    booking = await asyncpg.create_pool(logins["booking"], min_size=1, max_size=args.load_workers)
    assert provisioner is not None
    assert booking is not None
    await migrate_schema(
        provisioner, "platform", load_migrations(ROOT / "services/provisioner/migrations")
    )
    say(f"• {args.schemas} tenant schemas, {args.workers} at a time")
    creation_rate = await make_tenants(provisioner, args.schemas, args.workers)
    loaded = [f"mig{n:05d}" for n in range(min(args.load_tenants, args.schemas))]
    await add_catalog(provisioner, loaded)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for shipped in (ROOT / "shared/migrations/tenant").glob("*.sql"):
            (folder / shipped.name).write_text(shipped.read_text("utf-8"), "utf-8")
        (folder / "0035_bench_reminder_channel.sql").write_text(MIGRATION, "utf-8")
        load, stop = Load(), asyncio.Event()
        workers = [
            asyncio.create_task(book_and_cancel(booking, loaded, load, stop, w))
            for w in range(args.load_workers)
        ]
        say(f"• migrating {args.schemas} schemas under a booking load on {len(loaded)} tenants")
        started = time.perf_counter()
        try:
            outputs = await migrate_with_kill(provisioner, logins["provisioner"], folder, args)
        finally:
            seconds = time.perf_counter() - started
            stop.set()
            await asyncio.gather(*workers)
    missing = 0
    for number in range(args.schemas):
        schema = tenant_schema(f"mig{number:05d}")
        if not await provisioner.fetchval(
            f'SELECT count(*) FROM "{schema}".schema_migrations WHERE version = 35'
        ):
            missing += 1
    await provisioner.close()
    await booking.close()
    for line in outputs:
        say(f"  {line}")
    return {
        "schemas": args.schemas,
        "schema_creation_per_second": round(creation_rate, 1),
        "migrate_seconds": round(seconds, 1),
        "projected_10k_seconds": round(seconds / args.schemas * 10_000, 1),
        "target_10k_seconds": TARGET_SECONDS_10K,
        "killed_after_batches": args.kill_after_batches,
        "schemas_not_migrated": missing,
        "booking_ops": load.ops,
        "booking_errors": len(load.errors),
        "first_errors": load.errors[:5],
        "booking_latency": load.latencies.summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.migrate", description=__doc__)
    parser.add_argument("--schemas", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="schemas made at a time")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4, help="schemas migrated at a time")
    parser.add_argument("--kill-after-batches", type=int, default=0)
    parser.add_argument("--load-tenants", type=int, default=50)
    parser.add_argument("--load-workers", type=int, default=8)
    args = parser.parse_args()
    infra = LocalInfra()
    try:
        server = infra.start_private_postgres()
        results = asyncio.run(bench(args, server))
    finally:
        infra.close()
    say()
    table(
        [results],
        [
            "schemas",
            "migrate_seconds",
            "projected_10k_seconds",
            "target_10k_seconds",
            "schemas_not_migrated",
            "booking_ops",
            "booking_errors",
        ],
    )
    say(f"booking latency during the run: {results['booking_latency']}")
    say(f"schema creation: {results['schema_creation_per_second']}/s")
    for error in results["first_errors"]:  # type: ignore[attr-defined]
        say(f"  booking error: {error}")
    say(f"\nwritten to {write_results('migrate', results)}")


if __name__ == "__main__":
    main()
