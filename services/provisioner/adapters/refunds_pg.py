"""Refunds applied to tenants in Postgres (`platform.applied_refunds`), once per refund id."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import asyncpg

from services.provisioner.adapters.registry_pg import TENANT_COLUMNS, tenant_record
from services.provisioner.ports import RefundApplied

DAY_SECONDS = 86400


def removed_share(period_days: int, paid_kopecks: int, refunded_kopecks: int) -> timedelta:
    """The part of a paid period a refund takes back: 14950 of 29900 for 30 days → 15 days."""
    if paid_kopecks <= 0 or refunded_kopecks <= 0:
        return timedelta(0)
    seconds = period_days * DAY_SECONDS * min(refunded_kopecks, paid_kopecks) // paid_kopecks
    return timedelta(seconds=seconds)


class PgRefunds:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def apply_refund(
        self, *, refund_id: str, payment_id: str, amount_kopecks: int, now: datetime
    ) -> RefundApplied | None:
        async with self._pool.acquire() as conn, conn.transaction():
            payment = await conn.fetchrow(
                "SELECT tenant_id, period_days, amount_kopecks FROM platform.applied_payments"
                " WHERE payment_id = $1",
                payment_id,
            )
            if payment is None:
                return None
            tenant_id = payment["tenant_id"]
            row = await conn.fetchrow(
                f"SELECT {TENANT_COLUMNS} FROM platform.tenants WHERE tenant_id = $1 FOR UPDATE",
                tenant_id,
            )
            assert row is not None  # applied_payments references the tenant
            earlier = await conn.fetchrow(
                "SELECT removed, suspended FROM platform.applied_refunds WHERE refund_id = $1",
                refund_id,
            )
            if earlier is not None:
                return RefundApplied(
                    tenant=tenant_record(row),
                    fresh=False,
                    removed=earlier["removed"],
                    suspended=earlier["suspended"],
                )
            before = await conn.fetchval(
                "SELECT coalesce(sum(amount_kopecks), 0)::bigint FROM platform.applied_refunds"
                " WHERE payment_id = $1",
                payment_id,
            )
            paid = payment["amount_kopecks"]
            amount = max(0, min(amount_kopecks, paid - before))  # never more than was paid
            days = payment["period_days"]  # cumulative, so the parts of a full refund add up
            removed = removed_share(days, paid, before + amount) - removed_share(days, paid, before)
            tenant = tenant_record(row)
            paid_until = max(now, tenant.paid_until - removed)
            full = paid > 0 and before + amount >= paid
            live = tenant.status != "deleted"
            suspend = live and full and paid_until <= now and tenant.status != "suspended"
            if live:
                row = await conn.fetchrow(
                    "UPDATE platform.tenants SET paid_until = $2, updated_at = now(),"
                    " status = CASE WHEN $3 THEN 'suspended' ELSE status END"
                    f" WHERE tenant_id = $1 RETURNING {TENANT_COLUMNS}",
                    tenant_id,
                    paid_until,
                    suspend,
                )
                assert row is not None
            await conn.execute(
                "INSERT INTO platform.applied_refunds"
                " (refund_id, payment_id, tenant_id, amount_kopecks, removed, suspended)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                refund_id,
                payment_id,
                tenant_id,
                amount,
                removed,
                suspend,
            )
            await conn.execute(
                "INSERT INTO platform.audit_log (actor, action, tenant_id, details)"
                " VALUES ('billing', 'refund', $1, $2::jsonb)",
                tenant_id,
                json.dumps(
                    {
                        "refund": refund_id,
                        "payment": payment_id,
                        "kopecks": amount,
                        "removed_seconds": int(removed.total_seconds()),
                        "suspended": suspend,
                    }
                ),
            )
            return RefundApplied(
                tenant=tenant_record(row), fresh=True, removed=removed, suspended=suspend
            )
