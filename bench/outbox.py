"""Outbox figures: how long from a transaction's commit to its event on the bus.

    python -m bench.outbox [--samples 500] [--burst 5000] [--writers 32] [--history 200000]

On a private NATS and a fresh database: the shared outbox table is pre-filled with `history`
sent rows (a busy platform's day), then one relay (the production `shared.outbox.Relay`, in
this process) runs while writers commit rows. t0 is when a writer's COMMIT returned; t1 is
when a plain NATS subscriber to the subject received the message, which the server routes
when it stores it in the stream (the relay then has its ack). "At rest" commits one row at a
time with a pause; "burst" commits `burst` rows from `writers` concurrent transactions at once.
Prints p50/p95/p99/max and writes `bench/results/outbox-*.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import nats
from nats.aio.msg import Msg

from bench.harness import Latencies, say, table, write_results
from devstack.infra import LocalInfra, database_url
from shared.bus import Publisher, make_broker, open_bus
from shared.messages import BookingCreated
from shared.outbox import Relay, enqueue, migrate_outbox
from shared.subjects import STREAM_BOOKING, booking_event


def _event(tenant: str, n: int) -> BookingCreated:
    starts = datetime(2031, 6, 2, 7, tzinfo=UTC)
    return BookingCreated(
        tenant_id=tenant,
        booking_id=n,
        customer_chat_id=1,
        customer_name="Ольга",
        customer_phone="",
        service_name="Стрижка",
        master_name="Мастер",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        timezone="Europe/Moscow",
        reminder_offsets_min=(),
        admin_chat_ids=(),
        locale="ru",
    )


class Probe:
    """Commits rows and times their arrival on the bus."""

    def __init__(self, pool: asyncpg.Pool, tenant: str) -> None:
        self.pool = pool
        self.tenant = tenant
        self.subject = booking_event("created", tenant)
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.counter = 0

    async def on_message(self, msg: Msg) -> None:
        arrived = time.perf_counter()
        key = (msg.headers or {}).get("Nats-Msg-Id", "")
        found = self.waiting.get(key)
        if found is not None and not found.done():
            found.set_result(arrived)

    async def one(self) -> float:
        self.counter += 1
        key = f"bench:{self.tenant}:{self.counter}"
        arrival: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[key] = arrival  # before the commit: the event may arrive at once
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await enqueue(conn, self.subject, _event(self.tenant, self.counter), msg_id=key)
            committed = time.perf_counter()
        arrived = await asyncio.wait_for(arrival, timeout=30)
        del self.waiting[key]
        return arrived - committed


async def prefill(pool: asyncpg.Pool, rows: int) -> None:
    await pool.execute(
        "INSERT INTO outbox.events (stream, subject, payload, msg_id, sent_at)"
        " SELECT 'BOOKING', 'booking.created.history', '\\x7b7d', 'h' || g, now()"
        " FROM generate_series(1, $1) AS g",
        rows,
    )
    await pool.execute("ANALYZE outbox.events")


async def measure(args: argparse.Namespace, nats_url: str, db_url: str) -> dict[str, object]:
    pool = await asyncpg.create_pool(db_url, min_size=2, max_size=args.writers + 4)
    assert pool is not None
    broker = make_broker(nats_url, "bench-outbox")
    watcher = await nats.connect(nats_url)
    relay_task = None
    try:
        await migrate_outbox(pool)
        await prefill(pool, args.history)
        await open_bus(broker)
        probe = Probe(pool, f"bench_{uuid.uuid4().hex[:6]}")
        await watcher.subscribe(probe.subject, cb=probe.on_message)
        await watcher.flush()
        relay = Relay(pool, Publisher(broker), stream=STREAM_BOOKING)
        relay_task = asyncio.create_task(relay.run())
        for _ in range(20):  # warm-up: connections, prepared statements
            await probe.one()

        rest = Latencies()
        for _ in range(args.samples):
            rest.add(await probe.one())
            await asyncio.sleep(0.01)

        burst = Latencies()
        per_writer = args.burst // args.writers

        async def writer() -> None:
            for _ in range(per_writer):
                burst.add(await probe.one())

        started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(args.writers)))
        elapsed = time.perf_counter() - started
        return {
            "at_rest": rest.summary(),
            "burst": burst.summary() | {"events_per_s": round(len(burst.samples) / elapsed)},
            "history_rows": args.history,
            "writers": args.writers,
        }
    finally:
        if relay_task is not None:
            relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay_task
        await watcher.close()
        await broker.stop()
        await pool.close()


async def _database(server: str, name: str, *, drop: bool) -> None:
    conn = await asyncpg.connect(server)
    try:
        if drop:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--history", type=int, default=200_000)
    args = parser.parse_args()
    infra = LocalInfra()
    name = f"bookbots_bench_outbox_{uuid.uuid4().hex[:6]}"
    try:
        nats_url = infra.start_nats()
        server = infra.use_or_start_postgres(None)
        asyncio.run(_database(server, name, drop=False))
        results = asyncio.run(measure(args, nats_url, database_url(server, name)))
    finally:
        if infra.postgres_url:
            asyncio.run(_database(infra.postgres_url, name, drop=True))
        infra.close()
    say("commit -> event on the bus (one relay, shared outbox table)")
    rows = [{"load": k} | v for k, v in results.items() if isinstance(v, dict)]
    table(rows, ["load", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms", "events_per_s"])
    say(f"results: {write_results('outbox', results)}")


if __name__ == "__main__":
    main()
