"""The product under load, not its emulator: booking conversations through the gateway's webhook
to a Bot API sink.

    python -m bench.product [--tenants 10,1000,10000] [--booking-processes 1,2]
                            [--customers 128] [--seconds 30] [--rates 100,250,500]

For each tenant count (tenants made through provisioning, each given a catalog, each touched
once with /start) and each number of booking processes (replicas sharing the durable
consumer): a warm-up, then as fast as `--customers` closed-loop customers go (updates/s at
saturation), then paced at each rate (step latency p50/p95/p99: the gateway's 200 -> the
bot's reply request at the sink). Every phase reports CPU ms per update of each process group
(gateway, booking, the notifier, NATS, Postgres with all its backends, Redis, the sink, this
load generator) from /proc, the whole stack's (all but the load generator) with the rate two
fully used cores would give at it, and RSS of everything. Prints tables with the targets of
issue 9 beside the figures and writes `bench/results/product-*.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from bench.conversation import Load, Replies, client_session
from bench.harness import say, table, write_results
from bench.procstat import Group, cpu_ms_per, cpu_snapshot
from bench.sinkstack import SinkStack, sink_stack

TARGET_UPDATES = 500  # updates/s sustained (the goal is 1,000)
TARGET_P99_MS = 100  # at 250 updates/s
TARGET_BOOKING_CPU_MS = 2.0
CPU_COLUMNS = ("gateway", "booking", "notifier", "nats", "postgres", "redis", "sink", "loadgen")
RSS_COLUMNS = (
    "gateway",
    "booking",
    "billing",
    "provisioner",
    "notifier",
    "services_total",
    "nats",
    "postgres",
    "redis",
    "sink",
)


def _ints(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


async def _phase(
    bench: SinkStack, load: Load, *, customers: int, seconds: float, rate: float | None
) -> dict[str, Any]:
    groups = [*bench.groups(), Group("loadgen", (os.getpid(),))]
    await bench.free_calendars()
    before = cpu_snapshot(groups)
    run = await load.conversations(customers, seconds, rate)
    cpu = cpu_ms_per(before, cpu_snapshot(groups), run.updates)
    return {
        "updates": run.updates,
        "updates_per_s": round(run.updates_per_second, 1),
        "bookings": run.bookings,
        "failures": run.failures,
        "failure_kinds": dict(run.why),
        "lost_to_another_customer": run.taken,
        "replies_before_200": run.early,
        **run.latencies.summary(),
        "cpu_ms_per_update": cpu,
    }


async def measure(bench: SinkStack, args: argparse.Namespace, count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async with client_session(max([args.customers, *_ints(args.rates)]) + 16) as session:
        replies = Replies()
        reader = asyncio.create_task(replies.read(session, bench.sink_url))
        load = Load(session, replies, bench.tenants)
        try:
            for processes in _ints(args.booking_processes):
                bench.scale_booking(processes)
                say(f"  {count} tenants, {processes} booking process(es): warm-up")
                await bench.free_calendars()
                await load.conversations(args.customers, args.warmup, None)
                phases: list[tuple[str, float | None, int]] = [("max", None, args.customers)]
                phases += [(f"{r}/s", float(r), max(args.customers, r)) for r in _ints(args.rates)]
                for phase, rate, customers in phases:
                    row = {
                        "tenants": count,
                        "booking_processes": processes,
                        "phase": phase,
                        **await _phase(
                            bench, load, customers=customers, seconds=args.seconds, rate=rate
                        ),
                    }
                    row["rss_mib"] = bench.rss()
                    rows.append(row)
                    say(
                        f"    {phase}: {row['updates_per_s']} updates/s, "
                        f"p99 {row.get('p99_ms')} ms, {row['failures']} failures "
                        f"{row['failure_kinds'] or ''}, {row['lost_to_another_customer']} times "
                        "taken first by another customer, "
                        f"booking {row['cpu_ms_per_update'].get('booking')} ms CPU/update"
                    )
        finally:
            reader.cancel()
    return rows


async def grow(bench: SinkStack, count: int) -> dict[str, Any]:
    """Tenants up to `count` (made, given a catalog, each touched once); RSS afterwards."""
    before = len(bench.tenants)
    seconds = await bench.add_tenants(count - before)
    async with client_session() as session:
        replies = Replies()
        reader = asyncio.create_task(replies.read(session, bench.sink_url))
        try:
            touched = await Load(session, replies, bench.tenants).touch(bench.tenants[before:])
        finally:
            reader.cancel()
    return {
        "tenants": count,
        "created_seconds": round(seconds, 1),
        "touch_failures": touched.failures,
        "touch_failure_kinds": dict(touched.why),
        "touch_p99_ms": touched.latencies.summary().get("p99_ms"),
        "rss_mib": bench.rss(),
    }


def stack_cpu(cpu: dict[str, float]) -> float:
    """CPU ms per update of everything but the load generator: the product, its
    infrastructure and the sink standing in for Telegram."""
    return round(sum(ms for name, ms in cpu.items() if name != "loadgen"), 2)


def cap(stack_ms: float, cores: int = 2) -> str:
    """The updates/s that many fully used cores would give at that CPU per update."""
    return f"{cores * 1000 / stack_ms:.0f}/s" if stack_ms > 0 else ""


def report(rows: list[dict[str, Any]], memory: list[dict[str, Any]]) -> None:
    say()
    flat = []
    for row in rows:
        paced_250 = row["phase"] == "250/s"
        flat.append(
            {
                **{k: row.get(k, "") for k in ("tenants", "booking_processes", "phase")},
                "upd/s": row["updates_per_s"],
                "target": f">={TARGET_UPDATES}" if row["phase"] == "max" else "",
                **{k: row.get(k, "") for k in ("p50_ms", "p95_ms", "p99_ms")},
                "p99 target": f"<={TARGET_P99_MS}" if paced_250 else "",
                "fail": row["failures"],
                **{f"cpu {k}": row["cpu_ms_per_update"].get(k, "") for k in CPU_COLUMNS},
                "cpu stack": stack_cpu(row["cpu_ms_per_update"]),
                "cap on 2 cores": cap(stack_cpu(row["cpu_ms_per_update"])),
                "booking cpu target": f"<={TARGET_BOOKING_CPU_MS}",
            }
        )
    table(flat, list(flat[0]) if flat else [])
    say()
    say("RSS MiB after touching every tenant (services_total target <= 1536):")
    table([{"tenants": m["tenants"], **m["rss_mib"]} for m in memory], ["tenants", *RSS_COLUMNS])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.product", description=__doc__)
    parser.add_argument("--tenants", default="10,1000,10000")
    parser.add_argument("--booking-processes", default="1,2")
    parser.add_argument("--customers", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--rates", default="100,250,500")
    args = parser.parse_args()
    say(f"load: {os.getloadavg()}")
    rows: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    with sink_stack("product", booking_processes=min(_ints(args.booking_processes))) as bench:
        for count in _ints(args.tenants):
            say(f"• {count} tenants: creating {count - len(bench.tenants)} more")
            memory.append(asyncio.run(grow(bench, count)))
            say(f"  {memory[-1]}")
            rows += asyncio.run(measure(bench, args, count))
    report(rows, memory)
    results = {"args": vars(args), "load": os.getloadavg(), "runs": rows, "memory": memory}
    say(f"written to {write_results('product', results)}")


if __name__ == "__main__":
    main()
