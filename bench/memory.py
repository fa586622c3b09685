"""Memory with many live tenants, measured, not projected.

    python -m bench.memory [--tenants 10,1000,5000,10000] [--keep DIR]

One stack on the Bot API sink; tenants are added through provisioning up to each count, each
given a catalog and touched once (a customer's /start answered by its bot, so the gateway,
booking and their caches have seen every tenant). After each count: RSS of every service and
of the infrastructure, the five services' total against the 1.5 GB target, and each service's
growth per 1,000 tenants since the previous count (flat means bounded caches). Writes
`bench/results/memory-*.json`.

`--keep DIR` keeps the private cluster, the JetStream store and the tenants in DIR: a rerun
provisions only the tenants a count needs beyond those kept (10,000 take 30+ minutes to make
the first time) and touches them afresh, so the services start cold and see each count's
tenants once, as on the first run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from pathlib import Path
from typing import Any

from bench.conversation import Load, Replies, client_session
from bench.harness import say, table, write_results
from bench.product import RSS_COLUMNS
from bench.sinkstack import SinkStack, sink_stack
from devstack.stack import SERVICES

TARGET_TOTAL_MIB = 1536


def growth(memory: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MiB per 1,000 more tenants of each service, between consecutive counts."""
    rows = []
    for before, after in itertools.pairwise(memory):
        added = (after["tenants"] - before["tenants"]) / 1000
        rows.append(
            {
                "tenants": f"{before['tenants']}->{after['tenants']}",
                **{
                    s: round((after["rss_mib"][s] - before["rss_mib"][s]) / added, 1)
                    for s in (*SERVICES, "services_total")
                },
            }
        )
    return rows


async def reach(bench: SinkStack, count: int, touched: int) -> dict[str, Any]:
    """Tenants up to `count` (kept ones first, then made through provisioning), those from
    `touched` to `count` touched once by a customer's /start; RSS afterwards."""
    missing = max(0, count - len(bench.tenants))
    seconds = await bench.add_tenants(missing) if missing else 0.0
    async with client_session() as session:
        replies = Replies()
        reader = asyncio.create_task(replies.read(session, bench.sink_url))
        try:
            load = Load(session, replies, bench.tenants)
            failures, slowest = 0, 0.0
            why: dict[str, int] = {}
            for start in range(touched, count, 1000):  # in slices, to show progress
                run = await load.touch(bench.tenants[start : min(count, start + 1000)])
                failures += run.failures
                why |= dict(run.why)
                slowest = max(slowest, run.latencies.summary().get("p99_ms", 0.0))
                say(f"  ... {min(count, start + 1000)}/{count} touched, {failures} failed")
        finally:
            reader.cancel()
    return {
        "tenants": count,
        "created": missing,
        "created_seconds": round(seconds, 1),
        "touch_failures": failures,
        "touch_failure_kinds": why,
        "touch_p99_ms_worst_slice": slowest,
        "rss_mib": bench.rss(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--tenants", default="10,1000,5000,10000")
    parser.add_argument("--keep", type=Path, default=None, help="keep cluster and tenants here")
    args = parser.parse_args()
    counts = sorted({int(x) for x in args.tenants.split(",")})
    say(f"load: {os.getloadavg()}")
    memory: list[dict[str, Any]] = []
    with sink_stack("memory", kept=args.keep) as bench:
        memory.append({"tenants": 0, "note": "services started", "rss_mib": bench.rss()})
        touched = 0
        for count in counts:
            more = max(0, count - len(bench.tenants))
            say(f"• {count} tenants: creating {more} more, touching {count - touched}")
            memory.append(asyncio.run(reach(bench, count, touched)))
            touched = count
            say(f"  {memory[-1]}")
    say()
    say(f"RSS MiB after touching every tenant (services_total target <= {TARGET_TOTAL_MIB}):")
    table([{"tenants": m["tenants"], **m["rss_mib"]} for m in memory], ["tenants", *RSS_COLUMNS])
    grown = growth([m for m in memory if m["tenants"]])
    if grown:
        say()
        say("growth, MiB per 1,000 more tenants:")
        table(grown, list(grown[0]))
    biggest = max(memory, key=lambda m: m["tenants"])
    verdict = biggest["rss_mib"]["services_total"] <= TARGET_TOTAL_MIB
    say(f"\nat {biggest['tenants']} tenants: {'within' if verdict else 'OVER'} the target")
    results = {"load": os.getloadavg(), "memory": memory, "growth_per_1000": grown}
    say(f"written to {write_results('memory', results)}")


if __name__ == "__main__":
    main()
