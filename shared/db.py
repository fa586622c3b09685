"""The Postgres pool and the one way to run a query as a tenant.

Every tenant query runs inside `tenant_tx`: a transaction whose `search_path` *and* role are set
with `set_config(..., is_local => true)`, so they end with the transaction and never leak
through a pooled connection. The role is the tenant's own (`t_<tenant>`), which has rights on
its schema only: a bug that names another tenant's table is refused by the database itself.

Round trips on the hot path: the tenant binding travels with the BEGIN (one simple-protocol
message, `PoolConnection.bind_next_begin`), and a pool connection is normally reset when it
goes back (advisory locks, cursors, listeners, session settings: one more round trip per
lease), but a lease that only ran `tenant_tx` changed nothing that outlives its transaction
(set_config is local, the role ends with it), so its connection goes back without that
query; every other lease is reset as asyncpg resets it, unless the pool was made
`statement_scoped` (below).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from shared.settings import PostgresSettings
from shared.subjects import check_tenant_id

# A connection that has touched many tenant schemas caches their catalog entries; recycling
# connections after this many queries keeps that memory bounded.
MAX_QUERIES_PER_CONNECTION = 20_000


class PoolConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection that knows whether its lease left anything beyond transactions, and
    that can bind its next transaction to a tenant in the round trip of its BEGIN."""

    _transaction_only = False
    _begin_with: str | None = None
    _bound = False

    def bind_next_begin(self, schema: str) -> None:
        """The next top-level BEGIN also sets the tenant's search_path and role (locally);
        `schema` is a validated tenant schema name, safe as a literal."""
        self._transaction_only = True
        self._begin_with = f"SELECT set_config('search_path', '{schema}', true), " + (
            f"set_config('role', '{schema}', true);"
        )
        self._bound = False

    def began_bound(self) -> bool:
        """Whether the BEGIN just sent carried the binding; forgets it either way."""
        bound, self._bound, self._begin_with = self._bound, False, None
        return bound

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        if self._begin_with is not None and query == "BEGIN;" and not args:
            query, self._begin_with = f"BEGIN; {self._begin_with}", None
            self._bound = True
        status: str = await super().execute(query, *args, timeout=timeout)
        return status

    def get_reset_query(self) -> str:
        if self._transaction_only:
            self._transaction_only = False
            return ""  # asyncpg has rolled back an open transaction already
        query: str = super().get_reset_query()
        return query


_BIND = "SELECT set_config('search_path', $1, true), set_config('role', $1, true)"


def tenant_schema(tenant_id: str) -> str:
    """The schema (and role) name of a tenant; the id is validated, so it is a safe identifier."""
    return f"t_{check_tenant_id(tenant_id)}"


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A lease of a statement-scoped pool goes back as it is: asyncpg has already rolled back
    a transaction left open, and its users change nothing else in the session."""


async def create_pool(
    settings: PostgresSettings, *, max_size: int | None = None, statement_scoped: bool = False
) -> asyncpg.Pool:
    """The service's pool. `statement_scoped` is a promise about every query its users run:
    nothing outlives its statement or transaction (no `SET` without `LOCAL`, no
    `set_config(..., false)`, no session advisory locks, `LISTEN`, cursors outside a
    transaction, `PREPARE` or temporary tables). Its leases then go back without asyncpg's reset
    query (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`): one round trip and
    four statements fewer per lease; an open transaction is still rolled back."""
    pool = await asyncpg.create_pool(
        dsn=settings.dsn.reveal(),
        min_size=settings.pool_min,
        max_size=max_size or settings.pool_max,
        max_queries=MAX_QUERIES_PER_CONNECTION,
        max_inactive_connection_lifetime=settings.recycle_seconds,
        command_timeout=30,
        connection_class=PoolConnection,
        reset=_keep_session if statement_scoped else None,
    )
    if pool is None:  # pragma: no cover - asyncpg returns None only with init errors
        raise RuntimeError("could not create the Postgres pool")
    return pool


@asynccontextmanager
async def tenant_tx(pool: asyncpg.Pool, tenant_id: str) -> AsyncIterator[asyncpg.Connection]:
    """A transaction bound to one tenant's schema and role."""
    schema = tenant_schema(tenant_id)
    async with pool.acquire() as conn:
        bind = getattr(conn, "bind_next_begin", None)  # our pools' connections
        if bind is not None:
            bind(schema)
        try:
            async with conn.transaction():
                if bind is None or not conn.began_bound():
                    await conn.execute(_BIND, schema)
                yield conn
        finally:
            if bind is not None:
                conn.began_bound()  # nothing carried over to the next lease


@asynccontextmanager
async def service_tx(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A transaction for a service's own schema; its SQL names the schema explicitly."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn
