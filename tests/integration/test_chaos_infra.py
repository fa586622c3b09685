"""The chaos run's fault switches on private servers: a Postgres cluster of its own even when
the machine's answers, stopped (crashed) and started with its data; a Redis restarted with its
append-only file; NATS restarted on the same JetStream store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import nats
import pytest
from redis.asyncio import Redis

from devstack.infra import InfraMissing, LocalInfra

pytestmark = pytest.mark.integration


@pytest.fixture
def private() -> Iterator[LocalInfra]:
    infra = LocalInfra()
    try:
        infra.start_private_postgres()
        infra.start_redis(persist=True)
        infra.start_nats()
    except InfraMissing as missing:
        infra.close()
        pytest.skip(f"private servers cannot start here: {missing}")
    yield infra
    infra.close()


async def _pg(url: str, statement: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()


def test_a_crashed_private_postgres_comes_back_on_its_port_with_its_data(
    private: LocalInfra, database_server_url: str
) -> None:
    assert private.postgres_url != database_server_url
    asyncio.run(_pg(private.postgres_url, "CREATE TABLE kept AS SELECT 42 AS answer"))
    private.stop_postgres("immediate")
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(_pg(private.postgres_url, "SELECT 1"))
    private.start_postgres()
    assert asyncio.run(_pg(private.postgres_url, "SELECT answer FROM kept")) == 42


def test_a_restarted_redis_keeps_what_was_written(private: LocalInfra) -> None:
    async def write() -> None:
        async with Redis.from_url(private.redis_url) as redis:
            await redis.set("t:chaos:key", "kept")

    async def read() -> bytes | None:
        async with Redis.from_url(private.redis_url) as redis:
            value: bytes | None = await redis.get("t:chaos:key")
            return value

    asyncio.run(write())
    private.restart_redis()
    assert asyncio.run(read()) == b"kept"


def test_a_restarted_nats_keeps_its_streams(private: LocalInfra) -> None:
    async def publish() -> None:
        connection = await nats.connect(private.nats_url)
        js = connection.jetstream()
        await js.add_stream(name="CHAOS", subjects=["chaos.>"])
        await js.publish("chaos.one", b"kept")
        await connection.close()

    async def count() -> int:
        connection = await nats.connect(private.nats_url)
        info = await connection.jetstream().stream_info("CHAOS")
        await connection.close()
        return int(info.state.messages)

    asyncio.run(publish())
    private.restart_nats()
    assert asyncio.run(count()) == 1
