"""The Postgres pool and the one way to run a query as a tenant.

Every tenant query runs inside `tenant_tx`: a transaction whose `search_path` *and* role are set
with `set_config(..., is_local => true)`, so they end with the transaction and never leak
through a pooled connection. The role is the tenant's own (`t_<tenant>`), which has rights on
its schema only: a bug that names another tenant's table is refused by the database itself.

A pool connection is normally reset when it goes back (advisory locks, cursors, listeners,
session settings: one more round trip per lease). A lease that only ran `tenant_tx` changed
nothing that outlives its transaction (set_config is local, the role ends with it), so its
connection goes back without that query; every other lease is reset as asyncpg resets it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from shared.settings import PostgresSettings
from shared.subjects import check_tenant_id

# A connection that has touched many tenant schemas caches their catalog entries; recycling
# connections after this many queries keeps that memory bounded.
MAX_QUERIES_PER_CONNECTION = 20_000


class PoolConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection that knows whether its lease left anything beyond transactions."""

    _transaction_only = False

    def lease_is_transaction_only(self) -> None:
        self._transaction_only = True

    def get_reset_query(self) -> str:
        if self._transaction_only:
            self._transaction_only = False
            return ""  # asyncpg has rolled back an open transaction already
        query: str = super().get_reset_query()
        return query


def tenant_schema(tenant_id: str) -> str:
    """The schema (and role) name of a tenant; the id is validated, so it is a safe identifier."""
    return f"t_{check_tenant_id(tenant_id)}"


async def create_pool(settings: PostgresSettings, *, max_size: int | None = None) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn=settings.dsn.reveal(),
        min_size=settings.pool_min,
        max_size=max_size or settings.pool_max,
        max_queries=MAX_QUERIES_PER_CONNECTION,
        max_inactive_connection_lifetime=settings.recycle_seconds,
        command_timeout=30,
        connection_class=PoolConnection,
    )
    if pool is None:  # pragma: no cover - asyncpg returns None only with init errors
        raise RuntimeError("could not create the Postgres pool")
    return pool


@asynccontextmanager
async def tenant_tx(pool: asyncpg.Pool, tenant_id: str) -> AsyncIterator[asyncpg.Connection]:
    """A transaction bound to one tenant's schema and role."""
    schema = tenant_schema(tenant_id)
    async with pool.acquire() as conn, conn.transaction():
        mark = getattr(conn, "lease_is_transaction_only", None)  # our pools' connections
        if mark is not None:
            mark()
        await conn.execute(
            "SELECT set_config('search_path', $1, true), set_config('role', $1, true)", schema
        )
        yield conn


@asynccontextmanager
async def service_tx(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A transaction for a service's own schema; its SQL names the schema explicitly."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn
