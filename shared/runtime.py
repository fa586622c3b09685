"""The connections a service holds for its lifetime, opened and closed in one place.

A service's lifespan opens a `Runtime` (NATS as the service's own user, and Postgres, Redis
and a controllable clock when asked), builds its use cases and routers from it, starts the
broker, and on shutdown stops consuming first (in-flight messages finish or are redelivered),
then closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from redis.asyncio import Redis

from shared.bus import Publisher, clock_bucket, make_broker, open_bus
from shared.clock import Clock, OffsetClock, SystemClock, follow_clock_offset
from shared.db import create_pool
from shared.db_servers import ServerPools
from shared.settings import NatsSettings, PostgresSettings, RedisSettings


@dataclass
class Runtime:
    service: str
    broker: NatsBroker
    js: JetStreamContext
    publisher: Publisher
    clock: Clock
    pool: asyncpg.Pool | None = None
    redis: Redis | None = None
    servers: ServerPools | None = None  # the main pool and other database servers (lazy)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def require_pool(self) -> asyncpg.Pool:
        assert self.pool is not None, "this service was opened without Postgres"
        return self.pool

    def require_servers(self) -> ServerPools:
        assert self.servers is not None, "this service was opened without Postgres"
        return self.servers

    def require_redis(self) -> Redis:
        assert self.redis is not None, "this service was opened without Redis"
        return self.redis

    def background(self, coroutine: Awaitable[None], name: str) -> None:
        async def run() -> None:
            await coroutine

        self.tasks.append(asyncio.create_task(run(), name=name))

    def readiness(self) -> dict[str, Callable[[], Awaitable[bool]]]:
        checks: dict[str, Callable[[], Awaitable[bool]]] = {}

        async def nats() -> bool:
            return bool(self.broker.connection.is_connected)

        checks["nats"] = nats
        if self.pool is not None:
            pool = self.pool

            async def postgres() -> bool:
                return bool(await pool.fetchval("SELECT 1") == 1)

            checks["postgres"] = postgres
        if self.redis is not None:
            redis = self.redis

            async def redis_ping() -> bool:
                return bool(await redis.ping())

            checks["redis"] = redis_ping
        return checks


@asynccontextmanager
async def open_runtime(
    service: str,
    *,
    nats: NatsSettings,
    postgres: PostgresSettings | None = None,
    redis: RedisSettings | None = None,
    controllable_clock: bool = False,
    statement_scoped_sql: bool = False,
) -> AsyncIterator[Runtime]:
    broker = make_broker(nats, service)
    js = await open_bus(broker)
    clock: Clock = SystemClock()
    runtime = Runtime(
        service=service,
        broker=broker,
        js=js,
        publisher=Publisher(broker, timeout=nats.publish_timeout),
        clock=clock,
    )
    if controllable_clock:
        offset_clock = OffsetClock()
        runtime.clock = offset_clock
        runtime.background(
            follow_clock_offset(await clock_bucket(js), offset_clock, broker.connection), "clock"
        )
    try:
        if postgres is not None:
            runtime.pool = await create_pool(postgres, statement_scoped=statement_scoped_sql)
            runtime.servers = ServerPools.from_settings(runtime.pool, postgres)
        if redis is not None:
            # Timeouts below every consumer's ack_wait: a hung Redis fails the call, not the ack.
            runtime.redis = Redis.from_url(
                redis.url.reveal(), socket_timeout=5.0, socket_connect_timeout=5.0
            )
        yield runtime
    finally:
        await broker.stop()
        for task in runtime.tasks:
            task.cancel()
        await asyncio.gather(*runtime.tasks, return_exceptions=True)
        if runtime.redis is not None:
            await runtime.redis.aclose()
        if runtime.servers is not None:
            await runtime.servers.close()
        if runtime.pool is not None:
            await runtime.pool.close()
