"""A statement-scoped pool (the notifier's) on a real Postgres: its leases go back without
asyncpg's reset query, yet nothing a transaction did reaches the next lease, and a transaction
left open is rolled back. The server's own `pg_stat_activity.query` (the last statement a
backend ran) shows which query went last."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from shared.db import create_pool
from shared.settings import PostgresSettings, Secret

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def settings(url: str) -> PostgresSettings:
    return PostgresSettings(dsn=Secret(url), pool_min=1, pool_max=1, recycle_seconds=300)


@pytest_asyncio.fixture(loop_scope="session")
async def observer(test_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(test_database_url)
    yield conn
    await conn.close()


async def last_query(observer: asyncpg.Connection, pid: int) -> str:
    query: str = await observer.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    return query


@pytest.mark.parametrize("scoped", [True, False])
async def test_a_lease_goes_back_with_or_without_the_reset_query(
    test_database_url: str, observer: asyncpg.Connection, scoped: bool
) -> None:
    pool = await create_pool(settings(test_database_url), statement_scoped=scoped)
    try:
        async with pool.acquire() as conn:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            await conn.fetchval("SELECT 'the last statement of the lease'")
        went_last = await last_query(observer, pid)
        if scoped:
            assert went_last == "SELECT 'the last statement of the lease'"
        else:
            assert "RESET ALL" in went_last
    finally:
        await pool.close()


async def test_nothing_a_transaction_did_reaches_the_next_lease(
    test_database_url: str, observer: asyncpg.Connection
) -> None:
    pool = await create_pool(settings(test_database_url), statement_scoped=True)
    try:
        async with pool.acquire() as conn:
            default_path = await conn.fetchval("SHOW search_path")
            async with conn.transaction():
                await conn.execute("SELECT set_config('search_path', 'pg_catalog', true)")
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext('scoped-pool-test'))")
        async with pool.acquire() as conn:  # the one connection again
            assert await conn.fetchval("SHOW search_path") == default_path
        assert await observer.fetchval(
            "SELECT pg_try_advisory_xact_lock(hashtext('scoped-pool-test'))"
        )
    finally:
        await pool.close()


async def test_a_transaction_left_open_is_rolled_back(
    test_database_url: str, observer: asyncpg.Connection
) -> None:
    await observer.execute("CREATE TABLE IF NOT EXISTS public.scoped_pool_probe (n int)")
    pool = await create_pool(settings(test_database_url), statement_scoped=True)
    try:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("INSERT INTO public.scoped_pool_probe VALUES (1)")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT count(*) FROM public.scoped_pool_probe") == 0
    finally:
        await pool.close()
        await observer.execute("DROP TABLE public.scoped_pool_probe")
