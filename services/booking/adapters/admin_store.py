"""`use_cases.admin.ports.AdminStore` on Postgres: one `tenant_tx` per `transaction()`.

The session is the admin SQL of each aggregate (bookings, catalogue, schedule, staff and
settings) on one connection inside the tenant's transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from services.booking.adapters.admin_bookings import BookingsSql
from services.booking.adapters.admin_catalog import CatalogSql
from services.booking.adapters.admin_schedule import ScheduleSql
from services.booking.adapters.admin_staff import StaffSql
from services.booking.adapters.audit_sql import AuditSql
from services.booking.adapters.prepay_sql import PrepaySql
from services.booking.adapters.slotwait_sql import SlotWaitSql
from shared.db import tenant_tx
from shared.outbox import enqueue


class PgAdminSession(
    BookingsSql, CatalogSql, ScheduleSql, StaffSql, AuditSql, PrepaySql, SlotWaitSql
):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record_event(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await enqueue(self._conn, subject, event, msg_id=msg_id)


class PgAdminStore:
    """One tenant's data for the admin side, a transaction at a time."""

    def __init__(self, pool: asyncpg.Pool, tenant_id: str) -> None:
        self._pool = pool
        self._tenant_id = tenant_id

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgAdminSession]:
        async with tenant_tx(self._pool, self._tenant_id) as conn:
            yield PgAdminSession(conn)
