"""Tenants on more than one Postgres server: a pool per server, opened when first needed.

The platform's database (DATABASE_URL) is the server `main`: it holds the `platform`,
`billing` and `notifier` schemas and tenant schemas too. Further servers (`DATABASE_SERVERS`,
`name=url,...`, each URL with the service's own login) hold tenant schemas only, each
bootstrapped like the first (`shared.bootstrap`: logins, the `outbox` table, the tenant-role
functions). The registry (`platform.tenants.db_server`) says where a tenant lives and the
tenant directory (`TenantConfig.db_server`) publishes it to every service.

A pool to another server is opened on first use and kept (bounded like the main pool:
DATABASE_POOL_MAX connections per server), so a service only holds connections to the
servers its tenants live on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import asyncpg

from shared.db import create_pool
from shared.errors import SettingsError
from shared.settings import MAIN_DATABASE_SERVER, PostgresSettings, Secret

__all__ = ["MAIN_DATABASE_SERVER", "LazyPool", "ServerPools", "UnknownServer"]


class UnknownServer(SettingsError):
    """A tenant's registry row names a server this service is not configured for."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"database server {name!r} is not in DATABASE_SERVERS of this service"
            " (every service that touches tenant schemas needs every server)"
        )
        self.name = name


class ServerPools:
    """The main pool, and one more pool per configured server, opened lazily."""

    def __init__(
        self,
        main: asyncpg.Pool,
        servers: Mapping[str, Secret] | None = None,
        *,
        pool_max: int = 8,
        recycle_seconds: int = 300,
    ) -> None:
        self.main = main
        self._urls = dict(servers or {})
        self._pool_max = pool_max
        self._recycle = recycle_seconds
        self._pools: dict[str, asyncpg.Pool] = {MAIN_DATABASE_SERVER: main}
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, main: asyncpg.Pool, settings: PostgresSettings) -> ServerPools:
        return cls(
            main,
            dict(settings.servers),
            pool_max=settings.pool_max,
            recycle_seconds=settings.recycle_seconds,
        )

    def names(self) -> list[str]:
        """Every configured server, `main` first."""
        return [MAIN_DATABASE_SERVER, *self._urls]

    def __contains__(self, name: object) -> bool:
        return name == MAIN_DATABASE_SERVER or name in self._urls

    def for_tenant(self, name: str) -> asyncpg.Pool:
        """The pool of server `name` for `tenant_tx`: the main pool itself, or a `LazyPool`."""
        return self.main if name == MAIN_DATABASE_SERVER else LazyPool(self, name)

    async def pool(self, name: str) -> asyncpg.Pool:
        """The pool of server `name`, opened now if it is the first use."""
        found = self._pools.get(name)
        if found is not None:
            return found
        if name not in self._urls:
            raise UnknownServer(name)
        async with self._lock:
            found = self._pools.get(name)
            if found is None:
                settings = PostgresSettings(
                    dsn=self._urls[name],
                    pool_min=1,
                    pool_max=self._pool_max,
                    recycle_seconds=self._recycle,
                )
                found = await create_pool(settings)
                self._pools[name] = found
            return found

    async def close(self) -> None:
        """Close the pools this object opened (the main pool belongs to its opener)."""
        for name, pool in list(self._pools.items()):
            if name != MAIN_DATABASE_SERVER:
                del self._pools[name]
                await pool.close()


class LazyPool:
    """A tenant's pool for code that only acquires connections (`shared.db.tenant_tx`): the
    server's pool is opened at the first `acquire()`, so building a use case stays synchronous."""

    def __init__(self, servers: ServerPools, name: str) -> None:
        self._servers = servers
        self._name = name

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        pool = await self._servers.pool(self._name)
        async with pool.acquire() as conn:
            yield conn
