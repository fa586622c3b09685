"""The booking load of the migration bench: customers booking and cancelling through booking's
own repository code, as the booking login under each tenant's role."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.harness import Latencies
from services.booking.adapters import booking_repo
from shared.db import tenant_schema, tenant_tx


@dataclass
class Load:
    ops: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: Latencies = field(default_factory=Latencies)


async def add_catalog(pool: asyncpg.Pool, tenant_ids: list[str]) -> None:
    """A service and a master who does it (new tenants start with none)."""
    for tenant_id in tenant_ids:
        schema = tenant_schema(tenant_id)
        await pool.execute(
            f"INSERT INTO \"{schema}\".services (name, duration_min) VALUES ('Стрижка', 30);"
            f"INSERT INTO \"{schema}\".masters (name) VALUES ('Анна');"
            f'INSERT INTO "{schema}".master_services (master_id, service_id)'
            f' SELECT m.id, s.id FROM "{schema}".masters AS m, "{schema}".services AS s'
            " ON CONFLICT DO NOTHING"
        )


async def book_and_cancel(
    booking: asyncpg.Pool, tenant_ids: list[str], load: Load, stop: asyncio.Event, worker: int
) -> None:
    """One customer after another: book a free slot, then cancel it, as booking does."""
    slot = 0
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    while not stop.is_set():
        tenant_id = random.choice(tenant_ids)
        slot += 1
        started = time.perf_counter()
        try:
            async with tenant_tx(booking, tenant_id) as conn:
                customer = await booking_repo.upsert_customer(
                    conn, telegram_id=10_000 * worker + slot % 5000, name="Клиент"
                )
                service_id = await conn.fetchval("SELECT min(id) FROM services")
                master_id = await conn.fetchval("SELECT min(id) FROM masters")
                made = await booking_repo.create_booking(
                    conn,
                    customer_id=customer.id,
                    service_id=service_id,
                    master_id=master_id,
                    starts_at=day + timedelta(minutes=30 * (worker * 100_000 + slot)),
                    actor="customer",
                )
            async with tenant_tx(booking, tenant_id) as conn:
                await booking_repo.cancel_booking(
                    conn, made.id, cancelled_by="customer", actor="customer"
                )
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            load.errors.append(f"{tenant_id}: {type(error).__name__}: {error}")
        else:
            load.ops += 1
            load.latencies.add(time.perf_counter() - started)
