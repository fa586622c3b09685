"""Tenants on two Postgres servers, through the running stack: the registry places the first
business on `main` and the next on `pg2` (least tenants), customers of both book through their
bots, owners hear of it and customers are reminded (booking's events leave each server's own
outbox), and a new tenant migration reaches both schemas, each on its own server, with the
bookings kept and the bots still answering; and a tenant moved to the other server with the
operator's `move` keeps its bookings and its bot goes on taking new ones there."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from datetime import timedelta

import asyncpg
import pytest

from devstack.demo import Endpoints
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from services.provisioner.adapters.console_pg import PgConsoleStore
from shared.db import tenant_schema
from shared.db_servers import ServerPools
from shared.migrate import Migration, shared_migrations
from shared.migrate_online import Options
from shared.settings import Secret
from tests.e2e.test_booking_journey import (
    WAIT,
    MoveClock,
    Salon,
    assert_says,
    at,
    book,
    move_clock,
    my_list,
    open_salon,
    spelled,
    visit_day,
)
from tests.multi_pg.conftest import SECOND, Servers
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["move_clock"]  # the journey's fixture, used here

NEW_MIGRATION = Migration(
    version=9042,
    name="9042_multi_pg_check",
    sql="ALTER TABLE bookings ADD COLUMN multi_pg_note text NOT NULL DEFAULT 'перенесено';"
    " CREATE INDEX bookings_multi_pg_note ON bookings (multi_pg_note);",
)

CATALOG = """
INSERT INTO services (name, description, duration_min, price_kopecks, sort_order)
SELECT 'Стрижка', 'Стрижка и укладка', 60, 150000, 10
WHERE NOT EXISTS (SELECT 1 FROM services WHERE name = 'Стрижка');
INSERT INTO masters (name, sort_order)
SELECT 'Мастер', 10 WHERE NOT EXISTS (SELECT 1 FROM masters WHERE name = 'Мастер');
INSERT INTO master_services (master_id, service_id)
SELECT m.id, s.id FROM masters AS m CROSS JOIN services AS s
WHERE m.name = 'Мастер' AND s.name = 'Стрижка' ON CONFLICT DO NOTHING;
INSERT INTO working_hours (master_id, weekday, starts, ends)
SELECT m.id, d, '10:00', '20:00' FROM masters AS m CROSS JOIN generate_series(0, 5) AS d
WHERE m.name = 'Мастер' AND NOT EXISTS (SELECT 1 FROM working_hours WHERE master_id = m.id);
"""


async def _fetch(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(query, *args)
        return rows
    finally:
        await conn.close()


async def _server_of(servers: Servers, tenant_id: str) -> str:
    [row] = await _fetch(
        servers.main_url, "SELECT db_server FROM platform.tenants WHERE tenant_id = $1", tenant_id
    )
    return str(row["db_server"])


async def _has_schema(url: str, tenant_id: str) -> bool:
    [row] = await _fetch(
        url, "SELECT to_regnamespace($1) IS NOT NULL AS there", tenant_schema(tenant_id)
    )
    return bool(row["there"])


async def _open_on(
    servers: Servers, endpoints: Endpoints, telegram: TelegramSandboxClient, label: str
) -> tuple[Salon, str]:
    """A business bought through the paid path; its Salon reads the server that holds it."""
    salon = await open_salon(endpoints, telegram, label, catalog=False)
    server = await _server_of(servers, salon.tenant_id)
    url = servers.second_url if server == SECOND else servers.main_url
    salon = dataclasses.replace(salon, database_url=url)
    conn = await asyncpg.connect(url)
    try:  # the catalog the journey books from, made explicitly (new tenants may start empty)
        await conn.execute(f'SET search_path TO "{tenant_schema(salon.tenant_id)}", public')
        await conn.execute(CATALOG)
    finally:
        await conn.close()
    return salon, server


async def test_tenants_on_two_servers_book_are_reminded_and_migrate(
    servers: Servers,
    endpoints: Endpoints,
    telegram: TelegramSandboxClient,
    move_clock: MoveClock,
) -> None:
    first, first_server = await _open_on(servers, endpoints, telegram, "mpga")
    second, second_server = await _open_on(servers, endpoints, telegram, "mpgb")

    # Least tenants: the first goes to `main` (a tie goes to the first listed), the next to pg2.
    assert (first_server, second_server) == ("main", SECOND)
    assert await _has_schema(servers.main_url, first.tenant_id)
    assert not await _has_schema(servers.second_url, first.tenant_id)
    assert await _has_schema(servers.second_url, second.tenant_id)
    assert not await _has_schema(servers.main_url, second.tenant_id)

    day = visit_day()
    customers = {}
    for salon, clock in ((first, "12:00"), (second, "13:00")):
        customer = ChatUser(telegram, salon.bot, first_name="Мария")
        await book(customer, day, clock)
        told = await salon.owner.expect("Новая запись", wait=WAIT)  # the event left its server
        assert_says(told, clock, "Стрижка", "Мария")
        (booking,) = await salon.bookings()
        assert (booking["starts_at"], booking["status"]) == (at(day, clock), "confirmed")
        customers[salon.tenant_id] = customer

    # A day before the visits, both customers are reminded.
    await move_clock(at(day, "12:00") - timedelta(hours=24) + timedelta(minutes=1))
    reminder = await customers[first.tenant_id].expect("Напоминаем", wait=WAIT)
    assert_says(reminder, spelled(day), "12:00", "Стрижка")
    await move_clock(at(day, "13:00") - timedelta(hours=24) + timedelta(minutes=1))
    reminder = await customers[second.tenant_id].expect("Напоминаем", wait=WAIT)
    assert_says(reminder, spelled(day), "13:00", "Стрижка")

    # A new tenant migration, run as the console runs it, reaches both schemas on their servers.
    main_pool = await asyncpg.create_pool(servers.main_url, min_size=1, max_size=2)
    pools = ServerPools(main_pool, {SECOND: Secret(servers.second_url)})
    try:
        store = PgConsoleStore(main_pool, (*shared_migrations("tenant"), NEW_MIGRATION), pools)
        first_run = await store.migrate_tenants(Options(batch_size=10))
        assert (first_run.tenants, first_run.failures) == (2, [])
        assert first_run.migrated >= 2  # both tenants (and any spare schema on the main one)
        again = await store.migrate_tenants(Options(batch_size=10))
        assert (again.tenants, again.migrated, again.failures) == (2, 0, [])  # nothing left
    finally:
        await pools.close()
        await main_pool.close()
    for salon, clock in ((first, "12:00"), (second, "13:00")):
        rows = await salon.rows("SELECT starts_at, status, multi_pg_note FROM bookings")
        assert [tuple(r) for r in rows] == [(at(day, clock), "confirmed", "перенесено")]
        await my_list(customers[salon.tenant_id], says=clock)  # the bot still answers


def _cli_move(stack: Stack, tenant_id: str, server: str) -> dict[str, object]:
    """`python -m services.provisioner.cli move`, as an operator runs it on the stack."""
    done = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "services.provisioner.cli", "move", tenant_id, server, "--json"],
        env={**os.environ, **stack.service_env("provisioner")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


async def test_a_tenant_moves_to_the_other_server_with_its_bookings(
    servers: Servers, stack: Stack, endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    salon, server = await _open_on(servers, endpoints, telegram, "mpgm")
    target = SECOND if server == "main" else "main"
    target_url = servers.second_url if target == SECOND else servers.main_url
    customer = ChatUser(telegram, salon.bot, first_name="Мария")
    day = visit_day(3)
    await book(customer, day, "15:00")
    await salon.owner.expect("Новая запись", wait=WAIT)
    (before,) = await salon.bookings()

    moved = await asyncio.to_thread(_cli_move, stack, salon.tenant_id, target)
    assert moved == {"tenant_id": salon.tenant_id, "from": server, "to": target, "bookings": 1}

    assert await _server_of(servers, salon.tenant_id) == target
    assert not await _has_schema(salon.database_url, salon.tenant_id)  # the source is dropped
    there = dataclasses.replace(salon, database_url=target_url)
    assert [tuple(r) for r in await there.bookings()] == [tuple(before)]

    # The bot follows: the customer sees the booking; a new customer books on the new server.
    await my_list(customer, says="15:00")
    await book(ChatUser(telegram, salon.bot, first_name="Ольга"), day, "17:00")
    assert [b["starts_at"] for b in await there.bookings()] == [at(day, "15:00"), at(day, "17:00")]
    told = await salon.owner.expect("Новая запись", wait=WAIT)  # its event left the new server
    assert_says(told, "17:00", "Ольга")
