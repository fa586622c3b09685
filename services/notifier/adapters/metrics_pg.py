"""The notifier's metrics: its queue (read at scrape time) and what Telegram answered."""

from __future__ import annotations

import asyncpg
from prometheus_client import Counter, Gauge

from services.notifier.ports import (
    Blocked,
    Claimed,
    Inactive,
    Rejected,
    RetryAfter,
    Sender,
    SendResult,
    Sent,
    Transient,
)
from shared.metrics import Metrics

WAITING = ("pending", "sending")
OVERDUE_AFTER = "1 minute"


def watch_queue(metrics: Metrics, pool: asyncpg.Pool) -> None:
    waiting = Gauge(
        "notifier_deliveries",
        "Deliveries not finished yet, by status (pending: waiting for its time or its turn).",
        ["status"],
        registry=metrics.registry,
    )
    overdue = Gauge(
        "notifier_deliveries_overdue",
        f"Pending deliveries due more than {OVERDUE_AFTER} ago: the queue is behind.",
        registry=metrics.registry,
    )

    async def count() -> None:
        rows = await pool.fetch(
            "SELECT status, count(*) AS n FROM notifier.deliveries"
            " WHERE status = ANY($1::text[]) GROUP BY status",
            list(WAITING),
        )
        seen = {row["status"]: int(row["n"]) for row in rows}
        for status in WAITING:
            waiting.labels(status).set(seen.get(status, 0))
        overdue.set(
            await pool.fetchval(
                "SELECT count(*) FROM notifier.deliveries WHERE status = 'pending'"
                f" AND due_at < now() - interval '{OVERDUE_AFTER}'"
            )
        )

    metrics.probe("deliveries", count)


def _result_name(result: SendResult) -> str:
    match result:
        case Sent():
            return "sent"
        case RetryAfter():
            return "429"
        case Blocked():
            return "blocked"
        case Transient():
            return "transient"
        case Rejected():
            return "rejected"
        case Inactive():
            return "inactive"


class CountedSender:
    """A `Sender` that counts Telegram's answers (429s included) by kind."""

    def __init__(self, sender: Sender, metrics: Metrics) -> None:
        self._sender = sender
        self._results = Counter(
            "telegram_send_results_total",
            "Notifier sends by Telegram's answer: sent, 429, blocked, transient, rejected, ...",
            ["result"],
            registry=metrics.registry,
        )
        for name in ("sent", "429", "blocked", "transient", "rejected", "inactive"):
            self._results.labels(name)

    async def send(self, row: Claimed) -> SendResult:
        result = await self._sender.send(row)
        self._results.labels(_result_name(result)).inc()
        return result
