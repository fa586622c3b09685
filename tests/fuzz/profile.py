"""How many cases each fuzz test runs: `FUZZ_PROFILE=small` (the default, inside `make test`)
or `FUZZ_PROFILE=full` (`make fuzz`: at least 10,000 updates and 10,000 callback payloads).

The full profile runs each test in `ROUNDS` rounds, interleaved (see `conftest`), so every
kind of input advances together; `FUZZ_MAX_MINUTES` (optional) skips the rounds that have not
started when that time is spent, and the summary line shows how many cases did run."""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("FUZZ_PROFILE", "small")
if PROFILE not in {"small", "full"}:
    raise SystemExit(f"FUZZ_PROFILE must be 'small' or 'full', not {PROFILE!r}")

ROUNDS = 1 if PROFILE == "small" else 10
rounds = pytest.mark.parametrize("round_", range(ROUNDS))
MAX_MINUTES = float(os.environ.get("FUZZ_MAX_MINUTES", "0"))  # 0: no limit

# cases per test: (small, full)
_BUDGET = {
    "booking_updates": (90, 5_000),
    "sales_updates": (50, 3_500),
    "gateway_updates": (60, 1_500),
    "booking_callbacks": (120, 7_500),  # customer, master and owner
    "sales_callbacks": (40, 2_600),
}


def fuzz_settings(test: str) -> settings:
    small, full = _BUDGET[test]
    return settings(
        max_examples=small if PROFILE == "small" else math.ceil(full / ROUNDS),
        deadline=None,
        database=None,
        derandomize=PROFILE == "small",  # `make test` is repeatable; `make fuzz` explores
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
        print_blob=True,
    )
