"""Signups and the one trial per buyer, in billing's own tables."""

from __future__ import annotations

import asyncpg

from services.billing.ports import OutboxEvent, SignupRecord
from shared.outbox import enqueue

SIGNUP_COLUMNS = (
    "signup_id, buyer_chat_id, business_name, city, timezone, owner_chat_id, bot_id,"
    " bot_username, bot_token_sealed, receipt_email, tenant_id, status"
)


async def fetch_signup(
    db: asyncpg.Pool | asyncpg.Connection, signup_id: str
) -> SignupRecord | None:
    row = await db.fetchrow(
        f"SELECT {SIGNUP_COLUMNS} FROM billing.signups WHERE signup_id = $1", signup_id
    )
    return SignupRecord(**dict(row)) if row else None


async def store_signup(db: asyncpg.Pool | asyncpg.Connection, signup: SignupRecord) -> None:
    """Insert or update the buyer's answers; the status only moves through its own queries."""
    await db.execute(
        f"INSERT INTO billing.signups ({SIGNUP_COLUMNS})"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        " ON CONFLICT (signup_id) DO UPDATE SET business_name = excluded.business_name,"
        " city = excluded.city, timezone = excluded.timezone,"
        " owner_chat_id = excluded.owner_chat_id, bot_id = excluded.bot_id,"
        " bot_username = excluded.bot_username, bot_token_sealed = excluded.bot_token_sealed,"
        " receipt_email = excluded.receipt_email, updated_at = now()",
        signup.signup_id,
        signup.buyer_chat_id,
        signup.business_name,
        signup.city,
        signup.timezone,
        signup.owner_chat_id,
        signup.bot_id,
        signup.bot_username,
        signup.bot_token_sealed,
        signup.receipt_email,
        signup.tenant_id,
        signup.status,
    )


class PgSignups:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, signup_id: str) -> SignupRecord | None:
        return await fetch_signup(self._pool, signup_id)

    async def save(self, signup: SignupRecord) -> None:
        await store_signup(self._pool, signup)

    async def bot_taken(self, bot_id: int, *, except_signup: str) -> bool:
        taken = await self._pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM billing.signups s"
            " LEFT JOIN billing.tenants t ON t.tenant_id = s.tenant_id"
            " WHERE s.bot_id = $1 AND s.signup_id <> $2 AND s.status IN ('paid', 'trial')"
            " AND (t.status IS NULL OR t.status <> 'deleted'))",
            bot_id,
            except_signup,
        )
        return bool(taken)

    async def trial_of(self, buyer_chat_id: int) -> str | None:
        found = await self._pool.fetchval(
            "SELECT signup_id FROM billing.trials WHERE buyer_chat_id = $1", buyer_chat_id
        )
        return str(found) if found is not None else None

    async def start_trial(
        self, signup_id: str, buyer_chat_id: int, *, outbox: OutboxEvent | None = None
    ) -> bool:
        """Give the buyer's one trial to this signup; `outbox` is written when this call
        starts it (not when it was started before)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO billing.trials (buyer_chat_id, signup_id) VALUES ($1, $2)"
                " ON CONFLICT (buyer_chat_id) DO NOTHING",
                buyer_chat_id,
                signup_id,
            )
            owner = await conn.fetchval(
                "SELECT signup_id FROM billing.trials WHERE buyer_chat_id = $1", buyer_chat_id
            )
            if owner != signup_id:
                return False
            started = await conn.execute(
                "UPDATE billing.signups SET status = 'trial', updated_at = now()"
                " WHERE signup_id = $1 AND status IN ('draft', 'awaiting_payment')",
                signup_id,
            )
            if outbox is not None and started != "UPDATE 0":
                await enqueue(conn, outbox.subject, outbox.event, msg_id=outbox.msg_id)
            return True
