"""The short chaos run: one fault of each kind (kill -9 of a service process, NATS, Redis and
Postgres restarts) under a steady load of booking conversations and paid signups, on a stack
of its own (private NATS, Redis and Postgres cluster; two replicas of booking and notifier).
Every invariant must hold; a failure names each broken one with its counts and examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos.run import ChaosOptions, run_chaos
from devstack.infra import InfraMissing

pytestmark = [pytest.mark.e2e]

SHORT = ChaosOptions(
    seconds=60,
    faults=4,
    customers=2,
    tenants=1,
    signup_pause=5,
    step_timeout=60,
    settle_seconds=300,  # an owner chat takes one alert a second: a burst drains over minutes
)


def test_nothing_lost_nothing_doubled_through_one_fault_of_each_kind(tmp_path: Path) -> None:
    progress: list[str] = []
    try:
        report = run_chaos(SHORT, log_dir=tmp_path / "logs", say=progress.append)
    except InfraMissing as missing:
        pytest.skip(f"chaos run needs private servers: {missing}")
    summary = "\n".join([*progress, *report.lines()])

    assert sorted(f.kind for f in report.faults.faults) == ["kill", "nats", "postgres", "redis"]
    assert not [f for f in report.faults.faults if f.error], summary
    assert report.journal.count("booked") > 0, f"no booking went through at all\n{summary}"
    broken = [check.name for check in report.failed]
    assert not broken, f"broken invariants: {broken}\n{summary}"
