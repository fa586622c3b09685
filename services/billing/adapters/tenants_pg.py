"""Tenants as billing knows them from `tenant.*` events: buyer, owner, status, saved card."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.billing.ports import SavedMethod, TenantRecord

_TENANT = (
    "t.tenant_id, t.signup_id, t.buyer_chat_id, t.owner_chat_id, t.business_name,"
    " t.bot_username, t.paid_until, t.status, s.receipt_email"
)
_FROM = "billing.tenants t LEFT JOIN billing.signups s ON s.signup_id = t.signup_id"


class PgTenants:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, tenant_id: str) -> TenantRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_TENANT} FROM {_FROM} WHERE t.tenant_id = $1", tenant_id
        )
        return TenantRecord(**dict(row)) if row else None

    async def live_for(self, chat_id: int) -> list[TenantRecord]:
        rows = await self._pool.fetch(
            f"SELECT {_TENANT} FROM {_FROM}"
            " WHERE (t.buyer_chat_id = $1 OR t.owner_chat_id = $1) AND t.status <> 'deleted'"
            " ORDER BY t.business_name, t.tenant_id LIMIT 20",
            chat_id,
        )
        return [TenantRecord(**dict(row)) for row in rows]

    async def provisioned(self, record: TenantRecord) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            signup_id = await conn.fetchval(
                "SELECT signup_id FROM billing.signups WHERE signup_id = $1", record.signup_id
            )
            await conn.execute(
                "INSERT INTO billing.tenants (tenant_id, signup_id, buyer_chat_id, owner_chat_id,"
                " business_name, bot_username, paid_until, status)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, 'active')"
                " ON CONFLICT (tenant_id) DO UPDATE SET"
                " signup_id = coalesce(billing.tenants.signup_id, excluded.signup_id),"
                " owner_chat_id = excluded.owner_chat_id, bot_username = excluded.bot_username,"
                " paid_until = greatest(billing.tenants.paid_until, excluded.paid_until),"
                " updated_at = now()",
                record.tenant_id,
                signup_id,
                record.buyer_chat_id,
                record.owner_chat_id,
                record.business_name,
                record.bot_username,
                record.paid_until,
            )
            if signup_id is None:
                return
            await conn.execute(
                "UPDATE billing.signups SET tenant_id = $2, updated_at = now()"
                " WHERE signup_id = $1 AND tenant_id IS NULL",
                signup_id,
                record.tenant_id,
            )
            await conn.execute(
                "INSERT INTO billing.saved_methods (tenant_id, payment_method_id, plan_code)"
                " SELECT $1, payment_method_id, plan_code FROM billing.payments"
                " WHERE signup_id = $2 AND status = 'succeeded' AND payment_method_id IS NOT NULL"
                " ORDER BY created_at DESC LIMIT 1"
                " ON CONFLICT (tenant_id) DO NOTHING",
                record.tenant_id,
                signup_id,
            )

    async def update(
        self, tenant_id: str, *, status: str | None = None, paid_until: datetime | None = None
    ) -> None:
        await self._pool.execute(
            "UPDATE billing.tenants SET status = coalesce($2, status),"
            " paid_until = greatest(paid_until, coalesce($3, paid_until)), updated_at = now()"
            " WHERE tenant_id = $1",
            tenant_id,
            status,
            paid_until,
        )

    async def saved_method(self, tenant_id: str) -> SavedMethod | None:
        row = await self._pool.fetchrow(
            "SELECT tenant_id, payment_method_id, plan_code FROM billing.saved_methods"
            " WHERE tenant_id = $1",
            tenant_id,
        )
        return SavedMethod(**dict(row)) if row else None
