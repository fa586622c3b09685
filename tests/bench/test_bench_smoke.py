"""Short runs of each benchmark: they produce their figures and the sink saw every reply.

No timing is asserted (figures depend on the machine); what is asserted is what a bench user
relies on: whole conversations complete, every update is answered, each process's CPU and
memory are reported, the notifier bench delivers every message within Telegram's limits.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator

import httpx
import pytest

from bench.booking import load as journey_load
from bench.catalog import give_every_tenant_a_catalog
from bench.harness import bulk_tenants, running_stack
from bench.memory import growth
from bench.notifier import Options
from bench.notifier import run as notifier_run
from bench.product import CPU_COLUMNS, grow, measure, stack_cpu
from bench.sinkstack import SinkStack, sink_stack
from devstack.stack import SERVICES

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def product() -> Iterator[SinkStack]:
    with sink_stack("smoke") as bench:
        yield bench


def test_product_bench_books_through_the_webhook_and_the_sink_answers_every_step(
    product: SinkStack,
) -> None:
    grown = asyncio.run(grow(product, 3))
    assert grown["touch_failures"] == 0
    assert len(product.tenants) == 3
    args = argparse.Namespace(
        customers=3, seconds=3.0, warmup=0.5, rates="6", booking_processes="1"
    )
    rows = asyncio.run(measure(product, args, 3))

    assert [r["phase"] for r in rows] == ["max", "6/s"]
    for row in rows:
        assert row["failures"] == 0
        assert row["updates"] > 0
        assert row["updates"] % 9 == 0  # every conversation went through all 9 steps
        assert row["bookings"] >= 1
        assert row["count"] == row["updates"]  # a reply at the sink for every update posted
        assert {"p50_ms", "p95_ms", "p99_ms"} <= set(row)
        assert set(CPU_COLUMNS) <= set(row["cpu_ms_per_update"])
        assert row["cpu_ms_per_update"]["booking"] > 0
        # the whole stack's CPU per update: booking's and more, the load generator's not
        cpu = row["cpu_ms_per_update"]
        assert cpu["booking"] < stack_cpu(cpu) < sum(cpu.values())
        assert set(SERVICES) <= set(row["rss_mib"])
    stats = httpx.get(f"{product.sink_url}/sink/stats", timeout=10).json()
    assert stats["messages"] >= sum(r["updates"] for r in rows)


def test_product_bench_runs_with_two_booking_processes(product: SinkStack) -> None:
    if not product.tenants:
        asyncio.run(grow(product, 2))
    args = argparse.Namespace(
        customers=2, seconds=2.0, warmup=0.5, rates="4", booking_processes="2"
    )
    rows = asyncio.run(measure(product, args, len(product.tenants)))

    assert product.booking_processes() == 2
    assert all(r["booking_processes"] == 2 and r["failures"] == 0 for r in rows)
    assert all(r["updates"] > 0 for r in rows)


def test_memory_bench_reports_every_service_after_touching_the_tenants(
    product: SinkStack,
) -> None:
    before = asyncio.run(grow(product, len(product.tenants) + 1))
    after = asyncio.run(grow(product, len(product.tenants) + 2))

    assert before["touch_failures"] == after["touch_failures"] == 0
    for sizes in (before["rss_mib"], after["rss_mib"]):
        assert all(sizes[s] > 0 for s in (*SERVICES, "nats", "postgres", "redis", "sink"))
    grown = growth([before, after])
    assert len(grown) == 1
    assert set(SERVICES) <= set(grown[0])


def test_notifier_bench_delivers_every_message_within_telegrams_limits() -> None:
    result = asyncio.run(notifier_run(Options(messages=120, bots=6, chats_per_bot=10)))

    assert result["statuses"] == {"sent": 120}
    assert result["received"] == 120
    assert result["too_many_requests"] == 0
    assert result["messages_per_s"] > 0  # type: ignore[operator]


def test_journey_bench_books_through_the_emulator() -> None:
    with running_stack("smoke", webhooks=True) as stack:
        asyncio.run(bulk_tenants(stack, 2, prefix="smoke"))
        asyncio.run(give_every_tenant_a_catalog(stack.config.database_url))
        run = asyncio.run(
            journey_load(
                stack, ["smoke00000_bot", "smoke00001_bot"], customers=2, seconds=3, rate=None
            )
        )
    assert run.failures == 0
    assert run.bookings >= 1
    assert run.latencies.summary()["count"] == run.updates


def test_notifier_bench_shares_the_table_between_two_processes() -> None:
    result = asyncio.run(notifier_run(Options(messages=120, bots=6, chats_per_bot=10, processes=2)))

    assert result["processes"] == 2
    assert result["statuses"] == {"sent": 120}  # each row sent once, by one process or the other
    assert result["received"] == 120
    assert result["too_many_requests"] == 0
