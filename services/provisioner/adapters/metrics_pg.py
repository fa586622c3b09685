"""The provisioner's scrape-time gauges: tenants by status, and those about to lapse."""

from __future__ import annotations

import asyncpg
from prometheus_client import Gauge

from shared.metrics import Metrics

STATUSES = ("active", "grace", "suspended", "deleted")
LAPSING_WITHIN = "3 days"


def watch_tenants(metrics: Metrics, pool: asyncpg.Pool) -> None:
    tenants = Gauge(
        "platform_tenants",
        "Tenants in the registry, by status.",
        ["status"],
        registry=metrics.registry,
    )
    lapsing = Gauge(
        "platform_tenants_lapsing",
        f"Active tenants whose paid period ends within {LAPSING_WITHIN} (not renewed yet).",
        registry=metrics.registry,
    )

    async def count() -> None:
        rows = await pool.fetch(
            "SELECT status, count(*) AS n FROM platform.tenants GROUP BY status"
        )
        seen = {row["status"]: int(row["n"]) for row in rows}
        for status in set(STATUSES) | seen.keys():
            tenants.labels(status).set(seen.get(status, 0))
        lapsing.set(
            await pool.fetchval(
                "SELECT count(*) FROM platform.tenants WHERE status = 'active'"
                f" AND paid_until < now() + interval '{LAPSING_WITHIN}'"
            )
        )

    metrics.probe("tenants", count)
