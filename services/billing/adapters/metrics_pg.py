"""Billing's scrape-time gauges: payments by purpose and status, read from its own table.

Totals from the database rather than per-process counters: every replica reports the same
figure, survives restarts, and "payments per hour" is a `delta` of it (dashboards take `max`).
"""

from __future__ import annotations

import asyncpg
from prometheus_client import Gauge

from shared.metrics import Metrics

PURPOSES = ("new", "renewal")
STATUSES = ("pending", "succeeded", "canceled")


def watch_payments(metrics: Metrics, pool: asyncpg.Pool) -> None:
    payments = Gauge(
        "billing_payments",
        "Payments recorded in billing, by purpose and YooKassa status (a running total).",
        ["purpose", "status"],
        registry=metrics.registry,
    )

    async def count() -> None:
        rows = await pool.fetch(
            "SELECT purpose, status, count(*) AS n FROM billing.payments GROUP BY purpose, status"
        )
        seen = {(row["purpose"], row["status"]): int(row["n"]) for row in rows}
        always = {(purpose, status) for purpose in PURPOSES for status in STATUSES}
        for purpose, status in always | seen.keys():
            payments.labels(purpose, status).set(seen.get((purpose, status), 0))

    metrics.probe("payments", count)
