"""The tenant registry in the `platform` schema, and tenant schema creation, in Postgres.

A new tenant's schema is a spare renamed (`spares_pg.claim_spare`) when the pool has one, else
created on the spot; either way in the registry row's transaction.

A change that is announced writes its announcement (a `tenant.*` event) into the outbox in the
change's own transaction, so neither exists without the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.provisioner.adapters.placement_pg import choose_server
from services.provisioner.adapters.spares_pg import claim_spare
from services.provisioner.ports import (
    Announce,
    Announcement,
    Applied,
    Payment,
    TenantRecord,
    TenantStatus,
)
from shared.db import tenant_schema
from shared.db_servers import MAIN_DATABASE_SERVER, ServerPools
from shared.messages import Signup
from shared.migrate import Migration, create_tenant_schema
from shared.outbox import enqueue
from shared.subjects import RESERVED_TENANT_IDS, TENANT_ID_PATTERN

_COLUMNS = (
    "tenant_id, signup_id, business_name, timezone, owner_chat_id, buyer_chat_id, bot_id, "
    "bot_username, bot_token_sealed, delivery, status, plan_code, trial, paid_until, "
    "warned_days, created_at, version, db_server"
)


def _record(row: asyncpg.Record) -> TenantRecord:
    values = dict(row)
    values["warned_days"] = tuple(values["warned_days"] or ())
    return TenantRecord(**values)


# The console's adapter (console_pg) reads the same rows the same way.
TENANT_COLUMNS = _COLUMNS
tenant_record = _record


def tenant_id_for(bot_username: str, bot_id: int) -> str:
    """A readable tenant id from the bot's username (`Salon_Anna_bot` -> `salon_anna_bot`)."""
    candidate = bot_username.lower()
    if TENANT_ID_PATTERN.fullmatch(candidate) and candidate not in RESERVED_TENANT_IDS:
        return candidate
    return f"bot_{bot_id}"


class PgTenantRegistry:
    def __init__(
        self,
        pool: asyncpg.Pool,
        tenant_migrations: tuple[Migration, ...],
        servers: ServerPools | None = None,
    ) -> None:
        self._pool = pool
        self._migrations = tenant_migrations
        self._servers = servers or ServerPools(pool)

    async def create_tenant(
        self, *, signup: Signup, payment: Payment, delivery: str, now: datetime
    ) -> Applied:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))", f"signup:{signup.signup_id}"
            )
            row = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM platform.tenants WHERE signup_id = $1", signup.signup_id
            )
            if row is not None:
                return Applied(tenant=_record(row), created=False, applied=False)
            tenant_id = await self._free_tenant_id(conn, signup)
            row = await conn.fetchrow(
                "INSERT INTO platform.tenants (tenant_id, signup_id, business_name, timezone,"
                " owner_chat_id, buyer_chat_id, bot_id, bot_username, bot_token_sealed, delivery,"
                " status, plan_code, trial, paid_until, warned_days)"
                " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'active',$11,$12,$13,"
                # a warning "N days left" makes no sense for a period of N days or less
                " ARRAY(SELECT generate_series($14::int, 366)))"
                f" RETURNING {_COLUMNS}",
                tenant_id,
                signup.signup_id,
                signup.business_name,
                signup.timezone,
                signup.owner_chat_id,
                signup.buyer_chat_id,
                signup.bot_id,
                signup.bot_username,
                signup.bot_token_sealed,
                delivery,
                payment.plan_code,
                payment.kind == "trial",
                now + timedelta(days=payment.period_days),
                payment.period_days,
            )
            server = await choose_server(conn, self._servers.names(), tenant_id)
            if server == MAIN_DATABASE_SERVER:
                await self._create_schema(conn, tenant_id, signup, spares=True)
            else:  # its own transaction on that server, committed first; a retry redoes it
                row = await conn.fetchrow(
                    "UPDATE platform.tenants SET db_server = $2 WHERE tenant_id = $1"
                    f" RETURNING {_COLUMNS}",
                    tenant_id,
                    server,
                )
                remote = await self._servers.pool(server)
                async with remote.acquire() as other, other.transaction():
                    await self._create_schema(other, tenant_id, signup, spares=False)
            await self._record_payment(conn, tenant_id, payment)
            await self._audit(
                conn, "provisioner", "create", tenant_id, {"payment": payment.payment_id}
            )
            assert row is not None
            return Applied(tenant=_record(row), created=True, applied=True)

    async def _create_schema(
        self, conn: asyncpg.Connection, tenant_id: str, signup: Signup, *, spares: bool
    ) -> None:
        """The tenant's schema on `conn`'s server: a spare renamed when the server keeps a pool
        of them (`spares`: the main one), else created now."""
        if not (spares and await claim_spare(conn, tenant_id, self._migrations)):
            await create_tenant_schema(conn, tenant_id, self._migrations)
        schema = tenant_schema(tenant_id)
        await conn.execute(  # the business and its owner, in one round trip
            f'WITH business AS (INSERT INTO "{schema}".business (name, timezone)'
            " VALUES ($1, $2) ON CONFLICT (id) DO NOTHING)"
            f' INSERT INTO "{schema}".staff_members (telegram_id, name, role)'
            " VALUES ($3, $4, 'owner') ON CONFLICT (telegram_id) DO NOTHING",
            signup.business_name,
            signup.timezone,
            signup.owner_chat_id,
            "Владелец",
        )

    async def apply_payment(
        self,
        tenant_id: str,
        payment: Payment,
        now: datetime,
        *,
        announce: Callable[[Applied], Announcement | None] | None = None,
    ) -> Applied:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM platform.tenants WHERE tenant_id = $1 FOR UPDATE",
                tenant_id,
            )
            if row is None:
                raise LookupError(tenant_id)
            before = _record(row)
            if not await self._record_payment(conn, tenant_id, payment):
                return Applied(tenant=before, created=False, applied=False)
            row = await conn.fetchrow(
                "UPDATE platform.tenants SET paid_until = greatest(paid_until, $2) + $3::interval,"
                " status = CASE WHEN status = 'deleted' THEN status ELSE 'active' END,"
                " trial = false, plan_code = $4, warned_days = '{}', updated_at = now()"
                f" WHERE tenant_id = $1 RETURNING {_COLUMNS}",
                tenant_id,
                now,
                timedelta(days=payment.period_days),
                payment.plan_code,
            )
            await self._audit(
                conn, "provisioner", "renew", tenant_id, {"payment": payment.payment_id}
            )
            assert row is not None
            after = _record(row)
            result = Applied(
                tenant=after,
                created=False,
                applied=True,
                reactivated=before.status in {"grace", "suspended"} and after.status == "active",
            )
            await _write(conn, announce(result) if announce else None)
            return result

    async def get(self, tenant_id: str) -> TenantRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM platform.tenants WHERE tenant_id = $1", tenant_id
        )
        return _record(row) if row else None

    async def find_by_bot(self, bot_id: int) -> TenantRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM platform.tenants WHERE bot_id = $1"
            " ORDER BY status = 'deleted', created_at DESC LIMIT 1",
            bot_id,
        )
        return _record(row) if row else None

    async def payment_kind(self, payment_id: str) -> str | None:
        kind = await self._pool.fetchval(
            "SELECT kind FROM platform.applied_payments WHERE payment_id = $1", payment_id
        )
        return str(kind) if kind is not None else None

    async def due_for_warning(self, now: datetime, days: int) -> list[TenantRecord]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM platform.tenants WHERE status = 'active'"
            " AND paid_until > $1 AND paid_until <= $1 + $2::interval"
            " AND NOT ($3 = ANY(warned_days)) ORDER BY paid_until LIMIT 1000",
            now,
            timedelta(days=days),
            days,
        )
        return [_record(row) for row in rows]

    async def mark_warned(
        self, tenant_id: str, days: int, *, announcement: Announcement | None = None
    ) -> bool:
        """Mark this threshold and every longer one as announced and write the announcement,
        in one transaction; True if this one was new."""
        async with self._pool.acquire() as conn, conn.transaction():
            result = await conn.fetchval(
                "UPDATE platform.tenants SET warned_days = ARRAY(SELECT DISTINCT unnest("
                " warned_days || ARRAY(SELECT generate_series($2, 366)))), updated_at = now()"
                " WHERE tenant_id = $1 AND NOT ($2 = ANY(warned_days)) RETURNING tenant_id",
                tenant_id,
                days,
            )
            if result is not None:
                await _write(conn, announcement)
            return result is not None

    async def set_status(
        self,
        tenant_id: str,
        status: TenantStatus,
        *,
        actor: str,
        reason: str,
        announce: Announce | None = None,
    ) -> TenantRecord | None:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "UPDATE platform.tenants SET status = $2, updated_at = now()"
                f" WHERE tenant_id = $1 RETURNING {_COLUMNS}",
                tenant_id,
                status,
            )
            if row is None:
                return None
            await self._audit(conn, actor, f"status:{status}", tenant_id, {"reason": reason})
            tenant = _record(row)
            await _write(conn, announce(tenant) if announce else None)
            return tenant

    async def expired(
        self,
        now: datetime,
        grace_days: int,
        *,
        announce: Callable[[TenantRecord, str], Announcement | None] | None = None,
    ) -> list[tuple[TenantRecord, str]]:
        async with self._pool.acquire() as conn, conn.transaction():
            suspended = await conn.fetch(
                "UPDATE platform.tenants SET status = 'suspended', updated_at = now()"
                " WHERE status IN ('active', 'grace') AND paid_until + $2::interval <= $1"
                f" RETURNING {_COLUMNS}",
                now,
                timedelta(days=grace_days),
            )
            grace = await conn.fetch(
                "UPDATE platform.tenants SET status = 'grace', updated_at = now()"
                " WHERE status = 'active' AND paid_until <= $1"
                f" RETURNING {_COLUMNS}",
                now,
            )
            changed = [(_record(r), "suspended") for r in suspended]
            changed += [(_record(r), "grace") for r in grace]
            for tenant, status in changed:
                await self._audit(conn, "lifecycle", f"status:{status}", tenant.tenant_id, {})
                await _write(conn, announce(tenant, status) if announce else None)
            return changed

    async def _free_tenant_id(self, conn: asyncpg.Connection, signup: Signup) -> str:
        candidates = [tenant_id_for(signup.bot_username, signup.bot_id), f"bot_{signup.bot_id}"]
        candidates += [f"bot_{signup.bot_id}_{n}" for n in range(2, 100)]  # bought again
        taken = {
            row["tenant_id"]
            for row in await conn.fetch(
                "SELECT tenant_id FROM platform.tenants WHERE tenant_id = ANY($1::text[])",
                candidates,
            )
        }
        return next(c for c in candidates if c not in taken)

    @staticmethod
    async def _record_payment(conn: asyncpg.Connection, tenant_id: str, payment: Payment) -> bool:
        inserted = await conn.fetchval(
            "INSERT INTO platform.applied_payments"
            " (payment_id, tenant_id, kind, period_days, amount_kopecks)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_id) DO NOTHING RETURNING 1",
            payment.payment_id,
            tenant_id,
            payment.kind,
            payment.period_days,
            payment.amount_kopecks,
        )
        return inserted is not None

    @staticmethod
    async def _audit(
        conn: asyncpg.Connection,
        actor: str,
        action: str,
        tenant_id: str | None,
        details: dict[str, Any],
    ) -> None:
        await conn.execute(
            "INSERT INTO platform.audit_log (actor, action, tenant_id, details)"
            " VALUES ($1, $2, $3, $4::jsonb)",
            actor,
            action,
            tenant_id,
            json.dumps(details, ensure_ascii=False),
        )


async def _write(conn: asyncpg.Connection, announcement: Announcement | None) -> None:
    if announcement is not None:
        await enqueue(conn, announcement.subject, announcement.event, msg_id=announcement.msg_id)
