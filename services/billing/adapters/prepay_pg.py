"""Billing's prepayment tables: payments to businesses' own shops, and their ledger.

Every write that follows what YooKassa confirmed goes with its event (the shared outbox) in
one transaction, so an event exists exactly when its row does; each is recorded once (the
ledger is unique by payment, event and object)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from services.billing.ports import OutboxEvent
from shared.outbox import enqueue

_COLUMNS = (
    "payment_id, tenant_id, booking_id, shop_id, secret_sealed, amount_kopecks, currency,"
    " status, hold_until, refunded_kopecks"
)

RefundVerdict = Literal["recorded", "duplicate", "exceeds_payment", "not_paid", "conflicts"]


@dataclass(frozen=True, slots=True)
class PrepayRecord:
    payment_id: str
    tenant_id: str
    booking_id: int
    shop_id: str
    secret_sealed: str
    amount_kopecks: int
    currency: str
    status: str
    hold_until: datetime
    refunded_kopecks: int

    def __repr__(self) -> str:  # never the sealed key in a log line
        return f"PrepayRecord({self.tenant_id}:{self.booking_id} {self.payment_id} {self.status})"


class PgPrepayments:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def find(self, tenant_id: str, booking_id: int) -> PrepayRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM billing.prepay_payments"
            " WHERE tenant_id = $1 AND booking_id = $2",
            tenant_id,
            booking_id,
        )
        return PrepayRecord(**dict(row)) if row else None

    async def get(self, payment_id: str) -> PrepayRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM billing.prepay_payments WHERE payment_id = $1", payment_id
        )
        return PrepayRecord(**dict(row)) if row else None

    async def insert(
        self, record: PrepayRecord, *, idempotence_key: str, outbox: OutboxEvent
    ) -> bool:
        """Store a payment just created and its link event; False if it was stored before."""
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                "INSERT INTO billing.prepay_payments (payment_id, tenant_id, booking_id,"
                " idempotence_key, shop_id, secret_sealed, amount_kopecks, currency, status,"
                " hold_until) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
                " ON CONFLICT DO NOTHING RETURNING payment_id",
                record.payment_id,
                record.tenant_id,
                record.booking_id,
                idempotence_key,
                record.shop_id,
                record.secret_sealed,
                record.amount_kopecks,
                record.currency,
                record.status,
                record.hold_until,
            )
            if inserted is None:
                return False
            await enqueue(conn, outbox.subject, outbox.event, msg_id=outbox.msg_id)
            return True

    async def announce(self, outbox: OutboxEvent) -> None:
        """An event that follows no row of ours (a payment the shop refused to create)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await enqueue(conn, outbox.subject, outbox.event, msg_id=outbox.msg_id)

    async def record_payment(
        self, record: PrepayRecord, *, status: str, outbox: OutboxEvent | None
    ) -> bool:
        """Record a settled payment once; True if this call recorded it."""
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                "INSERT INTO billing.prepay_ledger"
                " (tenant_id, payment_id, event, amount_kopecks, currency, object_id)"
                " VALUES ($1, $2, $3, $4, $5, $2)"
                " ON CONFLICT (payment_id, event, object_id) DO NOTHING RETURNING id",
                record.tenant_id,
                record.payment_id,
                f"payment.{status}",
                record.amount_kopecks,
                record.currency,
            )
            if inserted is None:
                return False
            await conn.execute(
                "UPDATE billing.prepay_payments SET status = $2, updated_at = now()"
                " WHERE payment_id = $1",
                record.payment_id,
                status,
            )
            if outbox is not None:
                await enqueue(conn, outbox.subject, outbox.event, msg_id=outbox.msg_id)
            return True

    async def record_refund(
        self,
        record: PrepayRecord,
        *,
        refund_id: str,
        amount_kopecks: int,
        currency: str,
        outbox: OutboxEvent,
    ) -> RefundVerdict:
        async with self._pool.acquire() as conn, conn.transaction():
            payment = await conn.fetchrow(
                "SELECT amount_kopecks, refunded_kopecks, status FROM billing.prepay_payments"
                " WHERE payment_id = $1 FOR UPDATE",
                record.payment_id,
            )
            if payment is None:
                return "not_paid"
            earlier = await conn.fetchrow(
                "SELECT payment_id, amount_kopecks FROM billing.prepay_ledger"
                " WHERE event = 'refund.succeeded' AND object_id = $1",
                refund_id,
            )
            if earlier is not None:
                same = earlier["payment_id"] == record.payment_id
                return (
                    "duplicate"
                    if same and -earlier["amount_kopecks"] == amount_kopecks
                    else "conflicts"
                )
            if payment["status"] not in {"succeeded", "refunded"}:
                return "not_paid"
            refunded = payment["refunded_kopecks"] + amount_kopecks
            if refunded > payment["amount_kopecks"]:
                return "exceeds_payment"
            await conn.execute(
                "INSERT INTO billing.prepay_ledger"
                " (tenant_id, payment_id, event, amount_kopecks, currency, object_id)"
                " VALUES ($1, $2, 'refund.succeeded', $3, $4, $5)",
                record.tenant_id,
                record.payment_id,
                -amount_kopecks,
                currency,
                refund_id,
            )
            await conn.execute(
                "UPDATE billing.prepay_payments SET refunded_kopecks = $2, updated_at = now(),"
                " status = CASE WHEN $2 = amount_kopecks THEN 'refunded' ELSE status END"
                " WHERE payment_id = $1",
                record.payment_id,
                refunded,
            )
            await enqueue(conn, outbox.subject, outbox.event, msg_id=outbox.msg_id)
            return "recorded"

    async def expire_due(
        self, now: datetime, make: Callable[[str, int], OutboxEvent], *, limit: int = 100
    ) -> list[tuple[str, int]]:
        """Mark unpaid holds that ran out and write each one's event, in one transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "UPDATE billing.prepay_payments SET expired_at = $1, updated_at = now()"
                " WHERE payment_id IN (SELECT payment_id FROM billing.prepay_payments"
                "  WHERE status = 'pending' AND expired_at IS NULL AND hold_until <= $1"
                "  ORDER BY hold_until LIMIT $2 FOR UPDATE SKIP LOCKED)"
                " RETURNING tenant_id, booking_id",
                now,
                limit,
            )
            due = [(row["tenant_id"], row["booking_id"]) for row in rows]
            for tenant_id, booking_id in due:
                outbox = make(tenant_id, booking_id)
                await enqueue(conn, outbox.subject, outbox.event, msg_id=outbox.msg_id)
            return due
