"""The texts screens' store: one tenant transaction with the business row, the owner's texts
and the audit log (the change and its audit entry commit together)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters.audit_sql import AuditSql
from services.booking.adapters.tenant_store import PgTenantSession
from shared.db import tenant_tx


class PgTextsSession(PgTenantSession, AuditSql):
    """The customer session's reads (the business, `custom_texts`) plus the audit log."""


class PgTextsStore:
    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTextsSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgTextsSession(conn)
