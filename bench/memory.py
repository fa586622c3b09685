"""Memory with many live tenants, measured, not projected.

    python -m bench.memory [--tenants 10,1000,5000,10000] [--keep DIR]

One stack on the Bot API sink; tenants are added through provisioning up to each count, each
given a catalog and touched once (a customer's /start answered by its bot, so the gateway,
booking and their caches have seen every tenant). After each count: RSS of every service and
of the infrastructure, the five services' total against the 1.5 GB target, and each service's
growth per 1,000 tenants since the previous count (flat means bounded caches). Writes
`bench/results/memory-*.json`.

After each count every service also dumps its heap counts (live objects per type, and with
`--tracemalloc` the bytes held per allocating line; `bench/heapcount/sitecustomize.py`, put on
the services' PYTHONPATH by this bench only), and the report names what grew the most between
the first and the last count: the candidates for a cache without a bound.

Before each count the spare pool is filled with the schemas it needs (`--spare-workers`
transactions of 10 at a time, as `bench.provisioning` fills it; about 16 minutes for 10,000 on
two idle cores), so the tenants are then made from the pool at its rate.

`--keep DIR` keeps the private cluster, the JetStream store and the tenants in DIR: a rerun
provisions only the tenants a count needs beyond those kept and touches them afresh, so the
services start cold and see each count's tenants once, as on the first run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bench.conversation import Load, Replies, client_session
from bench.harness import say, table, write_results
from bench.product import RSS_COLUMNS
from bench.provisioning import prefill
from bench.sinkstack import SinkStack, sink_stack
from devstack.stack import SERVICES

TARGET_TOTAL_MIB = 1536
HEAPCOUNT = Path(__file__).resolve().parent / "heapcount"
HEAP_DIR = Path(".run") / "bench-memory" / "heap"
DUMP_TIMEOUT = 120.0  # a collection and a count of a big heap on a loaded machine


def anon_mib(bench: SinkStack) -> dict[str, float]:
    """Anonymous resident memory (RssAnon: the heap, not the mapped libraries) of each service.
    With no swap, only this part cannot be dropped by the kernel under memory pressure, so it
    is the steadier figure on a crowded machine; RSS also counts file pages the kernel may
    reclaim and map again."""
    found: dict[str, float] = {}
    for name in SERVICES:
        pid = bench.stack.processes[name].pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                found[name] = round(int(line.split()[1]) / 1024, 1)
    found["services_total"] = round(sum(found.values()), 1)
    return found


def heap_dumps(bench: SinkStack, folder: Path = HEAP_DIR) -> dict[str, dict[str, Any]]:
    """Each service's heap counts (its first process), asked by SIGUSR2 and read back from
    `folder` (the services' HEAPCOUNT_DIR)."""
    folder.mkdir(parents=True, exist_ok=True)
    pids = {name: bench.stack.processes[name].pid for name in SERVICES}
    for pid in pids.values():
        (folder / f"{pid}.json").unlink(missing_ok=True)
        os.kill(pid, signal.SIGUSR2)
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + DUMP_TIMEOUT
    while len(found) < len(pids) and time.monotonic() < deadline:
        for name, pid in pids.items():
            path = folder / f"{pid}.json"
            if name not in found and path.exists():
                found[name] = json.loads(path.read_text())
        time.sleep(0.5)  # polling files another process writes: there is no event to wait on
    return found


def heap_growth(first: dict[str, Any], last: dict[str, Any], top: int = 8) -> dict[str, Any]:
    """Per service: objects and blocks added, the types (and lines) that grew the most."""
    grown: dict[str, Any] = {}
    for service in SERVICES:
        a, b = first.get(service), last.get(service)
        if a is None or b is None:
            continue
        types = {k: v - a["types"].get(k, 0) for k, v in b["types"].items()}
        entry: dict[str, Any] = {
            "objects": b["objects"] - a["objects"],
            "blocks": b["blocks"] - a["blocks"],
            "types": dict(sorted(types.items(), key=lambda kv: -kv[1])[:top]),
        }
        if "lines_kib" in b:
            before = a.get("lines_kib", {})
            lines = {k: round(v - before.get(k, 0), 1) for k, v in b["lines_kib"].items()}
            entry["lines_kib"] = dict(sorted(lines.items(), key=lambda kv: -kv[1])[:top])
        grown[service] = entry
    return grown


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


async def reach(bench: SinkStack, count: int, touched: int, spare_workers: int) -> dict[str, Any]:
    """Tenants up to `count` (kept ones first, then made through provisioning), those from
    `touched` to `count` touched once by a customer's /start; RSS afterwards.

    With `spare_workers`, the spare pool is first filled with as many schemas as are missing
    (as it is between sales), so making thousands of tenants goes at the pool's rate."""
    missing = max(0, count - len(bench.tenants))
    if missing and spare_workers:
        await prefill(bench, missing, spare_workers, per=10)
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
                say(f"  ... {min(count, start + 1000)}/{count} touched, {failures} failed so far")
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
        "anon_mib": anon_mib(bench),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--tenants", default="10,1000,5000,10000")
    parser.add_argument("--keep", type=Path, default=None, help="keep cluster and tenants here")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="trace allocations (slower, RSS inflated)"
    )
    parser.add_argument(
        "--spare-workers",
        type=int,
        default=4,
        help="transactions filling the spare pool before each count (0: the provisioner's own)",
    )
    args = parser.parse_args()
    # a background run is stopped with SIGTERM: leave through the stack's cleanup
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    heap_env = {
        "PYTHONPATH": str(HEAPCOUNT),
        "HEAPCOUNT_DIR": str(HEAP_DIR.resolve()),
        "HEAPCOUNT_TRACE": "1" if args.tracemalloc else "0",
    }
    counts = sorted({int(x) for x in args.tenants.split(",")})
    say(f"load: {os.getloadavg()}")
    memory: list[dict[str, Any]] = []
    heaps: list[dict[str, Any]] = []
    try:
        with sink_stack("memory", kept=args.keep, extra_env=heap_env) as bench:
            memory.append({"tenants": 0, "note": "services started", "rss_mib": bench.rss()})
            touched = 0
            for count in counts:
                more = max(0, count - len(bench.tenants))
                say(f"• {count} tenants: creating {more} more, touching {count - touched}")
                memory.append(asyncio.run(reach(bench, count, touched, args.spare_workers)))
                touched = count
                say(f"  {memory[-1]}")
                heaps.append(heap_dumps(bench))
    finally:  # a run stopped early still reports the counts it measured
        report(args, memory, heaps)


def report(
    args: argparse.Namespace, memory: list[dict[str, Any]], heaps: list[dict[str, Any]]
) -> None:
    counted = [m for m in memory if m["tenants"]]
    if not counted:
        return

    say()
    say(f"RSS MiB after touching every tenant (services_total target <= {TARGET_TOTAL_MIB}):")
    table([{"tenants": m["tenants"], **m["rss_mib"]} for m in memory], ["tenants", *RSS_COLUMNS])
    say()
    say("of which anonymous (RssAnon, MiB):")
    table(
        [{"tenants": m["tenants"], **m["anon_mib"]} for m in counted],
        ["tenants", *SERVICES, "services_total"],
    )
    grown = growth(counted)
    if grown:
        say()
        say("growth, MiB per 1,000 more tenants:")
        table(grown, list(grown[0]))
    biggest = max(memory, key=lambda m: m["tenants"])
    verdict = biggest["rss_mib"]["services_total"] <= TARGET_TOTAL_MIB
    say(f"\nat {biggest['tenants']} tenants: {'within' if verdict else 'OVER'} the target")
    held = heap_growth(heaps[0], heaps[-1]) if len(heaps) > 1 else {}
    if held:
        say()
        span = f"{counted[0]['tenants']} -> {counted[-1]['tenants']}"
        say(f"heap growth {span} tenants, the types that grew the most:")
        for service, entry in held.items():
            say(f"  {service}: {entry['objects']} objects, {entry['blocks']} blocks")
            say(f"    objects by type: {entry['types']}")
            if "lines_kib" in entry:
                say(f"    KiB by line: {entry['lines_kib']}")
    results = {
        "args": {"tenants": args.tenants, "keep": str(args.keep), "tracemalloc": args.tracemalloc},
        "load": os.getloadavg(),
        "memory": memory,
        "growth_per_1000": grown,
        "heap_growth": held,
        "heaps": heaps,
    }
    say(f"written to {write_results('memory', results)}")


if __name__ == "__main__":
    main()
