"""Memory with many live tenants, measured, not projected.

    python -m bench.memory [--tenants 10,1000,10000]

One stack on the Bot API sink; tenants are added through provisioning up to each count, each
given a catalog and touched once (a customer's /start answered by its bot, so the gateway,
booking and their caches have seen every tenant). After each count: RSS of every service and
of the infrastructure, the five services' total against the 1.5 GB target, and each service's
growth per 1,000 tenants since the previous count (flat means bounded caches). Writes
`bench/results/memory-*.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from typing import Any

from bench.harness import say, table, write_results
from bench.product import RSS_COLUMNS, grow
from bench.sinkstack import sink_stack
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--tenants", default="10,1000,10000")
    args = parser.parse_args()
    counts = sorted({int(x) for x in args.tenants.split(",")})
    say(f"load: {os.getloadavg()}")
    memory: list[dict[str, Any]] = []
    with sink_stack("memory") as bench:
        for count in counts:
            say(f"• {count} tenants: creating {count - len(bench.tenants)} more, touching each")
            memory.append(asyncio.run(grow(bench, count)))
            say(f"  {memory[-1]}")
    say()
    say(f"RSS MiB after touching every tenant (services_total target <= {TARGET_TOTAL_MIB}):")
    table([{"tenants": m["tenants"], **m["rss_mib"]} for m in memory], ["tenants", *RSS_COLUMNS])
    grown = growth(memory)
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
