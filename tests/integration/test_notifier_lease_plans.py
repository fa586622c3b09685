"""The dispatcher's batched statements find leased rows by their primary key on a real
Postgres, even when the statistics were taken while nothing was leased and a backlog has since
leased two thousand rows (as after a burst of purchases or a broadcast); the claim still finds
expired leases through the lease index. Read from the plans Postgres chooses, custom and
generic, not from timings."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from services.notifier.adapters import deliveries_pg
from services.notifier.main import MIGRATIONS
from shared.migrate import load_migrations, migrate_schema
from tests.conftest import RUN_ID, create_database, drop_database

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NAME = f"bookbots_test_{RUN_ID}_lease_plans"
LEASED = 2048
TOKEN = uuid.uuid4()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def leased(database_server_url: str) -> AsyncIterator[tuple[asyncpg.Pool, list[int]]]:
    url = await create_database(database_server_url, NAME)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await migrate_schema(pool, "notifier", load_migrations(MIGRATIONS))
        await pool.execute(
            "INSERT INTO notifier.deliveries (dedup_key, tenant_id, via, chat_id, kind, text,"
            " due_at, status) SELECT 'lease-plans-' || g, 'salon_' || (g % 500), 'tenant', g,"
            " 'reminder', 'Напоминание', now() + g * interval '1 minute',"
            " CASE WHEN g % 4 = 0 THEN 'pending' ELSE 'sent' END"
            " FROM generate_series(1, 20000) AS g"
        )
        await pool.execute("ANALYZE notifier.deliveries")  # nothing leased at this moment
        ids = [
            r["id"]
            for r in await pool.fetch(
                "UPDATE notifier.deliveries SET status = 'sending', lease_token = $1,"
                " lease_until = clock_timestamp() + interval '1 minute'"
                " WHERE id IN (SELECT id FROM notifier.deliveries WHERE status = 'pending'"
                " ORDER BY id LIMIT $2) RETURNING id",
                TOKEN,
                LEASED,
            )
        ]
        assert len(ids) == LEASED
        yield pool, sorted(ids)
    finally:
        await pool.close()
        await drop_database(database_server_url, NAME)


def scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if plan.get("Relation Name") == "deliveries" and plan["Node Type"].endswith("Scan"):
        yield plan
    for child in plan.get("Plans", []):
        yield from scans(child)


async def plan_of(pool: asyncpg.Pool, mode: str, sql: str, *args: object) -> list[dict[str, Any]]:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")
        text = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    return list(scans(json.loads(text)[0]["Plan"]))


def batched(ids: list[int]) -> dict[str, tuple[str, tuple[object, ...]]]:
    chunk = ids[-64:]
    now = datetime.now(UTC)
    tokens = [TOKEN] * len(chunk)
    return {
        "begin": (deliveries_pg._BEGIN_MANY, (chunk, tokens, 60.0)),
        "postpone": (deliveries_pg._POSTPONE_MANY, (chunk, tokens, [now] * len(chunk))),
        "mark sent": (deliveries_pg._SENT_MANY, (chunk, tokens, now, list(range(len(chunk))))),
    }


@pytest.mark.parametrize("mode", ["force_custom_plan", "force_generic_plan"])
@pytest.mark.parametrize("statement", ["begin", "postpone", "mark sent"])
async def test_a_batched_statement_finds_its_rows_by_primary_key(
    leased: tuple[asyncpg.Pool, list[int]], mode: str, statement: str
) -> None:
    pool, ids = leased
    sql, args = batched(ids)[statement]
    found = await plan_of(pool, mode, sql, *args)
    assert found, "the plan reads notifier.deliveries"
    assert [scan.get("Index Name") for scan in found] == ["deliveries_pkey"], found


async def test_the_claim_still_finds_expired_leases_through_the_lease_index(
    leased: tuple[asyncpg.Pool, list[int]],
) -> None:
    pool, _ = leased
    found = await plan_of(
        pool,
        "force_custom_plan",
        deliveries_pg._CLAIM,
        datetime.now(UTC),
        512,
        60.0,
        uuid.uuid4(),
        "platform",
    )
    assert "deliveries_leased" in {scan.get("Index Name") for scan in found}, found
