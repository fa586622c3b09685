"""Tenant backups against real Postgres, taken and restored by the provisioner's own login.

A customer books; the owner's services are deleted by mistake; the backup brings the booking
back. The same backup restores into a fresh tenant id, which then takes a booking of its own.
The restored schema has exactly the owner, grants and default privileges of a new tenant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from services.booking.adapters import booking_repo, schedule_repo
from shared.backup_file import BackupKeyError, seal, unseal, write_private
from shared.backup_model import decode, encode
from shared.backup_tenant import dump_tenant, restore_tenant
from shared.db import tenant_schema, tenant_tx
from shared.migrate import Migration, create_tenant_schema, shared_migrations
from shared.settings import Secret
from tests.conftest import unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
VISIT = datetime(2031, 6, 3, 8, 0, tzinfo=UTC)  # Tuesday 11:00 in Moscow
CUSTOMER = 810_000_001
KEY = Secret("7f" * 8 + "a1b2c3d4e5f60718293a4b5c6d7e8f90" + "0123456789abcdef")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def provisioner_pool(login_urls: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(login_urls["provisioner"], min_size=1, max_size=4)
    assert pool is not None
    yield pool
    await pool.close()


async def new_tenant(pool: asyncpg.Pool, migrations: tuple[Migration, ...]) -> str:
    """A tenant made as the provisioner makes one, with an explicit one-service catalogue."""
    tenant_id = unique_tenant_id("bk")
    schema = tenant_schema(tenant_id)
    async with pool.acquire() as conn, conn.transaction():
        await create_tenant_schema(conn, tenant_id, migrations)
        await conn.execute(
            f'INSERT INTO "{schema}".business (name, timezone) VALUES ($1, $2)'
            " ON CONFLICT (id) DO NOTHING",
            "Салон Бэкап",
            "Europe/Moscow",
        )
    async with tenant_tx(pool, tenant_id) as conn:
        await conn.execute("DELETE FROM master_services; DELETE FROM services; DELETE FROM breaks")
        await conn.execute("DELETE FROM working_hours; DELETE FROM masters")
        master = await conn.fetchval("INSERT INTO masters (name) VALUES ('Ольга') RETURNING id")
        service = await conn.fetchval(
            "INSERT INTO services (name, duration_min, price_kopecks)"
            " VALUES ('Стрижка', 60, 150000) RETURNING id"
        )
        await conn.execute("INSERT INTO master_services VALUES ($1, $2)", master, service)
    return tenant_id


async def book(pool: asyncpg.Pool, tenant_id: str, customer: int, at: datetime) -> int:
    async with tenant_tx(pool, tenant_id) as conn:
        person = await booking_repo.upsert_customer(conn, telegram_id=customer, name="Анна")
        service = (await schedule_repo.list_active_services(conn))[0]
        master = (await schedule_repo.masters_for_service(conn, service.id))[0]
        booking = await booking_repo.create_booking(
            conn,
            customer_id=person.id,
            service_id=service.id,
            master_id=master.id,
            starts_at=at,
            actor=f"customer:{customer}",
        )
        return booking.id


async def upcoming(pool: asyncpg.Pool, tenant_id: str, customer: int) -> list[tuple[str, datetime]]:
    """What the customer's «My bookings» shows."""
    async with tenant_tx(pool, tenant_id) as conn:
        person_id = await conn.fetchval("SELECT id FROM customers WHERE telegram_id = $1", customer)
        if person_id is None:
            return []
        found = await booking_repo.upcoming_for_customer(conn, person_id, now=NOW)
        return [(b.service_name, b.starts_at) for b in found]


async def rights(pool: asyncpg.Pool, tenant_id: str) -> dict[str, object]:
    """Owner and grants of the schema and every table, and its default privileges."""
    schema = tenant_schema(tenant_id)
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner,"
            " replace(coalesce(c.relacl::text, ''), $2, 'T') AS acl"
            " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = $1 ORDER BY c.relname",
            schema,
            schema,
        )
        space = await conn.fetchrow(
            "SELECT pg_get_userbyid(nspowner) AS owner, replace(nspacl::text, $1, 'T') AS acl"
            " FROM pg_namespace WHERE nspname = $1",
            schema,
        )
        defaults = await conn.fetch(
            "SELECT d.defaclobjtype, replace(d.defaclacl::text, $1, 'T') AS acl"
            " FROM pg_default_acl AS d JOIN pg_namespace AS n ON n.oid = d.defaclnamespace"
            " WHERE n.nspname = $1 ORDER BY 1",
            schema,
        )
    return {
        "schema": dict(space) if space else None,
        "tables": [dict(r) for r in tables],
        "defaults": [dict(r) for r in defaults],
    }


async def test_restore_brings_back_the_booking_after_the_services_were_deleted(
    provisioner_pool: asyncpg.Pool, booking_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    migrations = shared_migrations("tenant")
    tenant = await new_tenant(provisioner_pool, migrations)
    await book(booking_pool, tenant, CUSTOMER, VISIT)
    backup = await dump_tenant(provisioner_pool, tenant, now=NOW)
    path = tmp_path / "salon.bkbt"
    write_private(path, seal(encode(backup), None))

    async with tenant_tx(booking_pool, tenant) as conn:  # the mistake
        await conn.execute("DELETE FROM booking_history; DELETE FROM bookings")
        await conn.execute("DELETE FROM master_services; DELETE FROM services")
    assert await upcoming(booking_pool, tenant, CUSTOMER) == []

    restored = decode(unseal(path.read_bytes(), None))
    report = await restore_tenant(provisioner_pool, restored, tenant, migrations, now=NOW)

    assert report.bookings == 1
    assert await upcoming(booking_pool, tenant, CUSTOMER) == [("Стрижка", VISIT)]
    # the restored tenant keeps taking bookings (its id sequences continue past the old rows)
    await book(booking_pool, tenant, CUSTOMER + 1, VISIT + timedelta(hours=2))
    assert len(await upcoming(booking_pool, tenant, CUSTOMER + 1)) == 1


async def test_restore_into_a_fresh_tenant_id_takes_new_bookings_and_has_a_tenants_rights(
    provisioner_pool: asyncpg.Pool, booking_pool: asyncpg.Pool
) -> None:
    migrations = shared_migrations("tenant")
    source = await new_tenant(provisioner_pool, migrations)
    normal = await new_tenant(provisioner_pool, migrations)
    await book(booking_pool, source, CUSTOMER, VISIT)
    backup = decode(encode(await dump_tenant(provisioner_pool, source, now=NOW)))

    fresh = unique_tenant_id("bk")
    await restore_tenant(provisioner_pool, backup, fresh, migrations, now=NOW)

    assert await upcoming(booking_pool, fresh, CUSTOMER) == [("Стрижка", VISIT)]
    await book(booking_pool, fresh, CUSTOMER + 5, VISIT + timedelta(hours=3))
    assert len(await upcoming(booking_pool, fresh, CUSTOMER + 5)) == 1
    assert await upcoming(booking_pool, source, CUSTOMER + 5) == []  # the source is untouched
    assert await rights(provisioner_pool, fresh) == await rights(provisioner_pool, normal)
    # another tenant's role cannot read the restored schema
    async with tenant_tx(booking_pool, source) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch(f'SELECT * FROM "{tenant_schema(fresh)}".bookings')


async def test_a_backup_from_an_older_schema_restores_and_gains_the_new_migration(
    provisioner_pool: asyncpg.Pool, booking_pool: asyncpg.Pool
) -> None:
    current = shared_migrations("tenant")
    newer = (
        *current,
        Migration(9990, "9990_backup_test", "ALTER TABLE customers ADD backup_test_note text"),
    )
    tenant = await new_tenant(provisioner_pool, current)
    await book(booking_pool, tenant, CUSTOMER, VISIT)
    backup = await dump_tenant(provisioner_pool, tenant, now=NOW)

    await restore_tenant(provisioner_pool, backup, tenant, newer, now=NOW)

    assert await upcoming(booking_pool, tenant, CUSTOMER) == [("Стрижка", VISIT)]
    async with tenant_tx(booking_pool, tenant) as conn:
        assert await conn.fetchval("SELECT count(backup_test_note) FROM customers") == 0
    with pytest.raises(Exception, match="migrations this version lacks"):
        await restore_tenant(
            provisioner_pool,
            await dump_tenant(provisioner_pool, tenant, now=NOW),
            tenant,
            current,
            now=NOW,
        )


async def test_backup_file_is_private_and_an_encrypted_one_needs_its_key(
    provisioner_pool: asyncpg.Pool, booking_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    tenant = await new_tenant(provisioner_pool, shared_migrations("tenant"))
    await book(booking_pool, tenant, CUSTOMER, VISIT)
    backup = await dump_tenant(provisioner_pool, tenant, now=NOW)
    path = tmp_path / "sealed.bkbt"
    write_private(path, seal(encode(backup), KEY))

    assert path.stat().st_mode & 0o777 == 0o600
    data = path.read_bytes()
    assert "Анна".encode() not in data
    assert b"customers" not in data
    assert decode(unseal(data, KEY)).bookings() == 1
    wrong = Secret("0f" * 16 + "1e" * 16)
    with pytest.raises(BackupKeyError, match="does not open this backup"):
        unseal(data, wrong)
    with pytest.raises(BackupKeyError, match="set BACKUP_KEY"):
        unseal(data, None)
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(BackupKeyError):
        unseal(tampered, KEY)


async def _remind(pool: asyncpg.Pool, tenant_id: str, key: str, status: str = "pending") -> None:
    await pool.execute(
        "INSERT INTO notifier.deliveries (dedup_key, tenant_id, via, chat_id, kind, text, due_at,"
        " status, ref) VALUES ($1, $2, 'tenant', $3, 'reminder', 'Напоминание', $4, $5, '1')",
        f"{key}:{tenant_id}",
        tenant_id,
        CUSTOMER,
        VISIT - timedelta(hours=2),
        status,
    )


async def _reminders(pool: asyncpg.Pool, tenant_id: str) -> dict[str, str]:
    rows = await pool.fetch(
        "SELECT dedup_key, status FROM notifier.deliveries WHERE tenant_id = $1", tenant_id
    )
    return {r["dedup_key"].split(":")[-2]: r["status"] for r in rows}


async def test_the_tenants_reminders_come_back_with_its_bookings(
    provisioner_pool: asyncpg.Pool, test_database_url: str
) -> None:
    """As the provisioner's login (notifier migration 0006 lets it): a reminder cancelled
    after the backup is pending again; one added after the backup is cancelled; a fresh
    tenant id gets its own copy of the pending reminder."""
    migrations = shared_migrations("tenant")
    tenant = await new_tenant(provisioner_pool, migrations)
    owner = await asyncpg.connect(test_database_url)
    try:
        await _remind(provisioner_pool, tenant, "before")
        backup = await dump_tenant(provisioner_pool, tenant, now=NOW)
        await provisioner_pool.execute(
            "UPDATE notifier.deliveries SET status = 'cancelled' WHERE tenant_id = $1", tenant
        )
        await _remind(provisioner_pool, tenant, "after")

        report = await restore_tenant(provisioner_pool, backup, tenant, migrations, now=NOW)

        assert await _reminders(provisioner_pool, tenant) == {
            "before": "pending",
            "after": "cancelled",
        }
        assert report.reminders == 1
        fresh = unique_tenant_id("bk")
        await restore_tenant(provisioner_pool, backup, fresh, migrations, now=NOW)
        assert await _reminders(provisioner_pool, fresh) == {"before": "pending"}
        assert (
            await owner.fetchval(
                "SELECT dedup_key FROM notifier.deliveries WHERE tenant_id = $1", fresh
            )
            == f"restored:{fresh}:before:{tenant}"
        )
    finally:
        await owner.close()
