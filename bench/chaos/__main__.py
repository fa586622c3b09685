"""`make chaos`: the whole stack under load while processes are killed and servers restarted.

    python -m bench.chaos [--seconds 600] [--faults 50] [--customers 3] [--tenants 2] [--seed N]

Starts its own NATS, Redis and Postgres cluster (never the machine's shared servers), the
sandbox and the five services with two replicas of booking and notifier; drives booking
conversations and paid signups; injects `--faults` faults (kill -9 of a service process, NATS,
Redis and Postgres restarts) at random moments over `--seconds`; waits for quiescence; prints
every invariant with its counts and exits 1 if any is broken (results also in
`bench/results/chaos-*.json`).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.chaos.run import ChaosOptions, run_chaos
from bench.harness import say, write_results
from devstack.infra import InfraMissing


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--faults", type=int, default=50)
    parser.add_argument("--customers", type=int, default=3)
    parser.add_argument("--tenants", type=int, default=2)
    parser.add_argument("--settle", type=float, default=180)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    for noisy in ("httpx", "httpcore"):  # request URLs carry bot tokens
        logging.getLogger(noisy).setLevel(logging.WARNING)
    options = ChaosOptions(
        seconds=args.seconds,
        faults=args.faults,
        customers=args.customers,
        tenants=args.tenants,
        settle_seconds=args.settle,
        seed=args.seed,
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    try:
        report = run_chaos(options, log_dir=Path(".run") / f"chaos-{stamp}", say=say)
    except InfraMissing as error:
        say(f"make chaos: {error}")
        sys.exit(2)
    say()
    for line in report.lines():
        say(line)
    path = write_results(
        "chaos",
        {
            "options": dataclasses.asdict(options),
            "faults": [dataclasses.asdict(f) for f in report.faults.faults],
            "self_deaths": report.faults.self_deaths,
            "settled": report.settled,
            "checks": [dataclasses.asdict(c) for c in report.checks],
            "ok": report.ok,
        },
    )
    say(f"written to {path}")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
