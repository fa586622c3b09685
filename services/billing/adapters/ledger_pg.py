"""Billing's own tables in Postgres: signups, payments it created, the ledger of confirmations."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from services.billing.adapters.signups_pg import fetch_signup, store_signup
from services.billing.ports import OutboxEvent, PaymentRecord, RefundTotals, SignupRecord
from shared.outbox import enqueue

_PAYMENT = (
    "payment_id, idempotence_key, signup_id, tenant_id, purpose, plan_code, period_days,"
    " amount_kopecks, currency, buyer_chat_id, status, confirmation_url, created_at"
)


class PgLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get_payment(self, payment_id: str) -> PaymentRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_PAYMENT} FROM billing.payments WHERE payment_id = $1", payment_id
        )
        return PaymentRecord(**dict(row)) if row else None

    async def open_payment(
        self, *, signup_id: str | None, tenant_id: str | None, plan_code: str
    ) -> PaymentRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_PAYMENT} FROM billing.payments"
            " WHERE signup_id IS NOT DISTINCT FROM $1 AND tenant_id IS NOT DISTINCT FROM $2"
            " AND plan_code = $3 AND status = 'pending' ORDER BY created_at DESC LIMIT 1",
            signup_id,
            tenant_id,
            plan_code,
        )
        return PaymentRecord(**dict(row)) if row else None

    async def count_attempts(
        self, *, signup_id: str | None, tenant_id: str | None, plan_code: str
    ) -> int:
        count = await self._pool.fetchval(
            "SELECT count(*) FROM billing.payments"
            " WHERE signup_id IS NOT DISTINCT FROM $1 AND tenant_id IS NOT DISTINCT FROM $2"
            " AND plan_code = $3 AND status <> 'pending'",
            signup_id,
            tenant_id,
            plan_code,
        )
        return int(count or 0)

    async def insert_payment(self, record: PaymentRecord) -> PaymentRecord:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                f"INSERT INTO billing.payments ({_PAYMENT}) VALUES"
                " ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
                " ON CONFLICT (payment_id) DO NOTHING",
                record.payment_id,
                record.idempotence_key,
                record.signup_id,
                record.tenant_id,
                record.purpose,
                record.plan_code,
                record.period_days,
                record.amount_kopecks,
                record.currency,
                record.buyer_chat_id,
                record.status,
                record.confirmation_url,
                record.created_at,
            )
            if record.signup_id:
                await conn.execute(
                    "UPDATE billing.signups SET status = 'awaiting_payment', updated_at = now()"
                    " WHERE signup_id = $1 AND status = 'draft'",
                    record.signup_id,
                )
            row = await conn.fetchrow(
                f"SELECT {_PAYMENT} FROM billing.payments WHERE payment_id = $1", record.payment_id
            )
        assert row is not None
        return PaymentRecord(**dict(row))

    async def record_event(
        self,
        *,
        payment_id: str,
        event: str,
        object_id: str,
        amount_kopecks: int,
        currency: str,
        new_status: str,
        payment_method_id: str | None,
        outbox: OutboxEvent | None = None,
    ) -> bool:
        """Record once (unique by payment, event and object); True if this call recorded it.
        `outbox` is written in the same transaction, so the event exists iff the row does."""
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                "INSERT INTO billing.ledger"
                " (payment_id, event, amount_kopecks, currency, object_id)"
                " VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT (payment_id, event, object_id) DO NOTHING RETURNING id",
                payment_id,
                event,
                amount_kopecks,
                currency,
                object_id,
            )
            if inserted is None:
                return False
            payment = await conn.fetchrow(
                "UPDATE billing.payments SET status = $2, updated_at = now(),"
                " payment_method_id = coalesce($3, payment_method_id)"
                " WHERE payment_id = $1 RETURNING signup_id, tenant_id, plan_code",
                payment_id,
                new_status,
                payment_method_id,
            )
            if payment is not None and new_status == "succeeded" and payment["signup_id"]:
                await conn.execute(
                    "UPDATE billing.signups SET status = 'paid', updated_at = now()"
                    " WHERE signup_id = $1",
                    payment["signup_id"],
                )
            if payment is not None and payment_method_id and payment["tenant_id"]:
                await conn.execute(
                    "INSERT INTO billing.saved_methods (tenant_id, payment_method_id, plan_code)"
                    " VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE"
                    " SET payment_method_id = excluded.payment_method_id,"
                    " plan_code = excluded.plan_code, saved_at = now()",
                    payment["tenant_id"],
                    payment_method_id,
                    payment["plan_code"],
                )
            if outbox is not None:
                await enqueue(conn, outbox.subject, outbox.event, msg_id=outbox.msg_id)
            return True

    async def record_refund(
        self, *, refund_id: str, payment_id: str, amount_kopecks: int, currency: str
    ) -> RefundTotals:
        async with self._pool.acquire() as conn, conn.transaction():
            payment = await conn.fetchrow(
                "SELECT amount_kopecks, refunded_kopecks, status FROM billing.payments"
                " WHERE payment_id = $1 FOR UPDATE",
                payment_id,
            )
            if payment is None:
                return RefundTotals("not_paid", 0, 0)
            paid, refunded = payment["amount_kopecks"], payment["refunded_kopecks"]
            earlier = await conn.fetchrow(
                "SELECT payment_id, amount_kopecks FROM billing.ledger"
                " WHERE event = 'refund.succeeded' AND object_id = $1",
                refund_id,
            )
            if earlier is not None:
                same = earlier["payment_id"] == payment_id
                same = same and -earlier["amount_kopecks"] == amount_kopecks
                return RefundTotals("duplicate" if same else "conflicts", paid, refunded)
            if payment["status"] not in {"succeeded", "refunded"}:
                return RefundTotals("not_paid", paid, refunded)
            if refunded + amount_kopecks > paid:
                return RefundTotals("exceeds_payment", paid, refunded)
            await conn.execute(
                "INSERT INTO billing.ledger"
                " (payment_id, event, amount_kopecks, currency, object_id)"
                " VALUES ($1, 'refund.succeeded', $2, $3, $4)",
                payment_id,
                -amount_kopecks,
                currency,
                refund_id,
            )
            refunded += amount_kopecks
            await conn.execute(
                "UPDATE billing.payments SET refunded_kopecks = $2, updated_at = now(),"
                " status = CASE WHEN $2 = amount_kopecks THEN 'refunded' ELSE status END"
                " WHERE payment_id = $1",
                payment_id,
                refunded,
            )
            return RefundTotals("recorded", paid, refunded)

    async def stale_pending(self, older_than: timedelta, *, limit: int) -> list[str]:
        rows = await self._pool.fetch(
            "SELECT payment_id FROM billing.payments WHERE status = 'pending'"
            " AND created_at < now() - $1::interval ORDER BY created_at LIMIT $2",
            older_than,
            limit,
        )
        return [row["payment_id"] for row in rows]

    async def get_signup(self, signup_id: str) -> SignupRecord | None:
        return await fetch_signup(self._pool, signup_id)

    async def save_signup(self, signup: SignupRecord) -> None:
        await store_signup(self._pool, signup)
