"""The front-desk tests' own catalog (new tenants start empty) and small helpers.

Two masters: «Анна» works Mon-Sat 10:00-20:00 with a break 14:00-15:00, «Ирина» Mon-Fri
12:00-18:00; both do «Стрижка» (60 min, 1 500 ₽). `MASTER_USER` is staff linked to «Ирина».
The harness clock is Monday 2 June 2031, 09:00 Moscow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import msgspec
from test_booking_conversation import Talk  # the shared harness (pytest's rootdir import)

from services.booking.adapters import booking_repo
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.use_cases import BookingNotes, Texts
from services.notifier.use_cases.texts import LOCALES
from shared.clock import Clock
from shared.db import tenant_tx
from shared.messages import BookingCreated, BookingRescheduled
from tests.support.owner import admin_home, as_user, clear_catalog

__all__ = ["admin_home", "as_user"]  # re-exported for the owner tests

MASTER_USER = 700_000_088
CUSTOMER_PHONE = "+79120000000"


@dataclass(frozen=True)
class Catalog:
    haircut: int
    anna: int
    irina: int


async def make_catalog(talk: Talk) -> Catalog:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await clear_catalog(conn)
        haircut = await conn.fetchval(
            "INSERT INTO services (name, duration_min, price_kopecks) "
            "VALUES ('Стрижка', 60, 150000) RETURNING id"
        )
        anna = await conn.fetchval(
            "INSERT INTO masters (name, sort_order) VALUES ('Анна', 1) RETURNING id"
        )
        irina = await conn.fetchval(
            "INSERT INTO masters (name, sort_order) VALUES ('Ирина', 2) RETURNING id"
        )
        await conn.execute(
            "INSERT INTO master_services (master_id, service_id) VALUES ($1, $3), ($2, $3)",
            anna,
            irina,
            haircut,
        )
        await conn.execute(
            "INSERT INTO working_hours (master_id, weekday, starts, ends) "
            "SELECT $1, d, '10:00', '20:00' FROM generate_series(0, 5) AS d",
            anna,
        )
        await conn.execute(
            "INSERT INTO breaks (master_id, weekday, starts, ends) "
            "SELECT $1, d, '14:00', '15:00' FROM generate_series(0, 5) AS d",
            anna,
        )
        await conn.execute(
            "INSERT INTO working_hours (master_id, weekday, starts, ends) "
            "SELECT $1, d, '12:00', '18:00' FROM generate_series(0, 4) AS d",
            irina,
        )
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role, master_id) "
            "VALUES ($1, 'Ирина', 'master', $2)",
            MASTER_USER,
            irina,
        )
    return Catalog(haircut=haircut, anna=anna, irina=irina)


async def customer(talk: Talk, *, telegram_id: int | None, name: str, phone: str) -> int:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        if telegram_id is None:
            return await conn.fetchval(
                "INSERT INTO customers (name, phone) VALUES ($1, $2) RETURNING id", name, phone
            )
        found = await booking_repo.upsert_customer(
            conn, telegram_id=telegram_id, name=name, phone=phone
        )
        return found.id


async def booking(
    talk: Talk, customer_id: int, service: int, master: int, at: datetime, status: str = ""
) -> int:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        made = await booking_repo.create_booking(
            conn,
            customer_id=customer_id,
            service_id=service,
            master_id=master,
            starts_at=at,
            actor="customer",
        )
        if status:
            await conn.execute("UPDATE bookings SET status = $2 WHERE id = $1", made.id, status)
    return made.id


async def notifier_rows(pool: asyncpg.Pool, clock: Clock, event: msgspec.Struct) -> list[dict]:
    """Hand the event the booking service published to notifier's own use case and store;
    the delivery rows it holds for the booking afterwards (kind, chat, text, due)."""
    notes = BookingNotes(
        store=PgDeliveries(pool),
        texts=Texts.load(LOCALES),
        clock=clock,
        review_delay=timedelta(hours=2),
    )
    assert isinstance(event, BookingCreated | BookingRescheduled)
    if isinstance(event, BookingCreated):
        await notes.on_created(event)
    else:
        await notes.on_rescheduled(event)
    rows = await pool.fetch(
        "SELECT kind, chat_id, text, due_at, status FROM notifier.deliveries"
        " WHERE tenant_id = $1 AND ref = $2 ORDER BY due_at, id",
        event.tenant_id,
        str(event.booking_id),
    )
    return [dict(r) for r in rows]
