"""A short `make bench-migrate`: a few schemas made by the product's code, the migration run
killed with SIGKILL after one batch and rerun under the booking load; the figures are there
and the acceptance holds (every schema migrated, the rerun resumed, no booking error). No
timing is asserted."""

from __future__ import annotations

import pytest

from bench.migrate import parser, run

pytestmark = pytest.mark.e2e


def test_migration_bench_kills_reruns_and_reports_under_load() -> None:
    args = parser().parse_args(
        [
            "--schemas", "12",
            "--batch-size", "4",
            "--concurrency", "2",
            "--kill-after-batches", "1",
            "--load-tenants", "2",
            "--load-workers", "2",
        ]
    )  # fmt: skip
    results = run(args)

    assert results["schemas_not_migrated"] == 0
    assert results["booking_errors"] == 0, results["first_errors"]
    assert results["booking_ops"] > 0
    assert results["first_exit"] == -9  # SIGKILL
    assert 4 <= int(str(results["done_before_kill"])) < 12
    assert "resumed" in str(results["rerun_output"])
    assert "failed 0" in str(results["rerun_output"])
    for figure in ("migrate_seconds", "runner_cpu_seconds", "postgres_cpu_seconds"):
        assert float(str(results[figure])) > 0
