"""`use_cases.admin.invite_ports.InviteStore` on Postgres (`staff_invites`, `staff_members`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters.audit_sql import AuditSql
from services.booking.use_cases.admin.invite_ports import InviteRole, InviteRow
from shared.db import tenant_tx


class PgInviteSession(AuditSql):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def master_name(self, master_id: int) -> str | None:
        name: str | None = await self._conn.fetchval(
            "SELECT name FROM masters WHERE id = $1", master_id
        )
        return name

    async def add_invite(
        self,
        *,
        code_hash: bytes,
        role: InviteRole,
        master_id: int | None,
        created_by: int,
        expires_at: datetime,
    ) -> int:
        invite_id: int = await self._conn.fetchval(
            "INSERT INTO staff_invites (code_hash, role, master_id, created_by, expires_at)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            code_hash,
            role,
            master_id,
            created_by,
            expires_at,
        )
        return invite_id

    async def invite_for_update(self, code_hash: bytes) -> InviteRow | None:
        row = await self._conn.fetchrow(
            "SELECT id, role, master_id, expires_at, used_at FROM staff_invites"
            " WHERE code_hash = $1 FOR UPDATE",
            code_hash,
        )
        if row is None:
            return None
        return InviteRow(
            id=row["id"],
            role=row["role"],
            master_id=row["master_id"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def staff_role(self, telegram_id: int) -> str | None:
        role: str | None = await self._conn.fetchval(
            "SELECT role FROM staff_members WHERE telegram_id = $1", telegram_id
        )
        return role

    async def join(self, invite_id: int, *, telegram_id: int, name: str, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE staff_invites SET used_at = $2, used_by = $3 WHERE id = $1",
            invite_id,
            at,
            telegram_id,
        )
        await self._conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role, master_id)"
            " SELECT $1, $2, role, master_id FROM staff_invites WHERE id = $3"
            " ON CONFLICT (telegram_id) DO UPDATE"
            " SET role = excluded.role, master_id = excluded.master_id"
            " WHERE staff_members.role <> 'owner'",
            telegram_id,
            name,
            invite_id,
        )


class PgInviteStore:
    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgInviteSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgInviteSession(conn)
