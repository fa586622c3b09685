"""Booking repositories against real Postgres: the database refuses double bookings."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from services.booking.adapters import booking_repo, schedule_repo
from services.booking.domain.availability import free_slots
from services.booking.domain.entities import Booking
from services.booking.domain.errors import BookingNotActive, ReviewRefused, SlotTaken
from shared.db import tenant_schema, tenant_tx

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# A Monday far enough ahead for any "now"; the seed's master works 10:00-20:00 Moscow time.
DAY = date(2031, 6, 2)
TEN = datetime(2031, 6, 2, 7, 0, tzinfo=UTC)  # 10:00 Moscow


async def seeded(pool: asyncpg.Pool, tenant: str) -> tuple[int, int, int]:
    """(customer id, the 60-minute «Стрижка» id, the seed master id)."""
    async with tenant_tx(pool, tenant) as conn:
        customer = await booking_repo.upsert_customer(conn, telegram_id=1001, name="Ольга")
        services = await schedule_repo.list_active_services(conn)
        haircut = next(s for s in services if s.name == "Стрижка")
        (master,) = await schedule_repo.masters_for_service(conn, haircut.id)
    return customer.id, haircut.id, master.id


async def book(
    pool: asyncpg.Pool, tenant: str, seed: tuple[int, int, int], starts_at: datetime
) -> Booking | SlotTaken:
    customer, service, master = seed
    try:
        async with tenant_tx(pool, tenant) as conn:
            return await booking_repo.create_booking(
                conn,
                customer_id=customer,
                service_id=service,
                master_id=master,
                starts_at=starts_at,
                actor="customer",
            )
    except SlotTaken as taken:
        return taken


async def confirmed(pool: asyncpg.Pool, tenant: str) -> list[asyncpg.Record]:
    async with tenant_tx(pool, tenant) as conn:
        return await conn.fetch(
            "SELECT id, starts_at FROM bookings WHERE status = 'confirmed' ORDER BY starts_at"
        )


async def test_200_concurrent_bookings_of_one_slot_make_one_booking(pg_pool, tenant_factory):
    tenant = await tenant_factory()
    customer, service, master = await seeded(pg_pool, tenant)
    results = await asyncio.gather(
        *(book(pg_pool, tenant, (customer, service, master), TEN) for _ in range(200))
    )
    made = [r for r in results if isinstance(r, Booking)]
    taken = [r for r in results if isinstance(r, SlotTaken)]
    assert (len(made), len(taken)) == (1, 199)
    assert all(t.reason == "taken" and t.master_id == master for t in taken)
    assert [r["starts_at"] for r in await confirmed(pg_pool, tenant)] == [TEN]
    async with tenant_tx(pg_pool, tenant) as conn:
        history = await conn.fetch("SELECT action, actor FROM booking_history")
    assert [tuple(h) for h in history] == [("created", "customer")]


async def test_overlapping_slots_with_buffers_race_to_one_booking(pg_pool, tenant_factory):
    tenant = await tenant_factory()
    customer, service, master = await seeded(pg_pool, tenant)
    async with tenant_tx(pg_pool, tenant) as conn:
        await conn.execute(
            "UPDATE services SET buffer_before_min = 15, buffer_after_min = 15 WHERE id = $1",
            service,
        )
    # 60 minutes + 15 on each side: starts 75 minutes apart still collide, 90 apart do not.
    starts = [TEN + timedelta(minutes=15 * k) for k in range(6)]
    results = await asyncio.gather(
        *(book(pg_pool, tenant, (customer, service, master), s) for s in starts for _ in range(20))
    )
    rows = await confirmed(pg_pool, tenant)
    assert len(rows) == sum(isinstance(r, Booking) for r in results)
    assert 1 <= len(rows) <= 2
    if len(rows) == 2:
        assert rows[1]["starts_at"] - rows[0]["starts_at"] >= timedelta(minutes=90)
    # 75 minutes after the first one is still taken, because of both buffers.
    first = rows[0]["starts_at"]
    assert isinstance(
        await book(pg_pool, tenant, (customer, service, master), first + timedelta(minutes=75)),
        SlotTaken,
    )


async def test_cancel_frees_the_slot(pg_pool, tenant_factory):
    tenant = await tenant_factory()
    customer, service, master = await seeded(pg_pool, tenant)
    made = await book(pg_pool, tenant, (customer, service, master), TEN)
    assert isinstance(made, Booking)
    async with tenant_tx(pg_pool, tenant) as conn:
        now = TEN - timedelta(days=3)
        assert await booking_repo.count_active_for_customer(conn, customer, now=now) == 1
        inputs = await schedule_repo.load_availability(
            conn, service_id=service, first_day=DAY, last_day=DAY, now=now
        )
        assert TEN not in {s.starts_at for s in free_slots(inputs, DAY, master)}
        cancelled = await booking_repo.cancel_booking(
            conn, made.id, cancelled_by="customer", actor="customer", customer_id=customer
        )
        assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "customer")
        with pytest.raises(BookingNotActive):
            await booking_repo.cancel_booking(conn, made.id, cancelled_by="staff", actor="staff:1")
        inputs = await schedule_repo.load_availability(
            conn, service_id=service, first_day=DAY, last_day=DAY, now=now
        )
        assert TEN in {s.starts_at for s in free_slots(inputs, DAY, master)}
        assert await booking_repo.upcoming_for_customer(conn, customer, now=now) == []
    again = await book(pg_pool, tenant, (customer, service, master), TEN)
    assert isinstance(again, Booking)


async def test_reschedule_into_a_taken_slot_keeps_the_old_time(pg_pool, tenant_factory):
    tenant = await tenant_factory()
    customer, service, master = await seeded(pg_pool, tenant)
    first = await book(pg_pool, tenant, (customer, service, master), TEN)
    later = TEN + timedelta(hours=3)
    second = await book(pg_pool, tenant, (customer, service, master), later)
    assert isinstance(first, Booking)
    assert isinstance(second, Booking)
    async with tenant_tx(pg_pool, tenant) as conn:
        with pytest.raises(SlotTaken):
            await booking_repo.reschedule_booking(
                conn, first.id, starts_at=later + timedelta(minutes=30), actor="customer"
            )
        # The savepoint keeps the transaction usable; the booking is unchanged.
        kept = await booking_repo.get_booking(conn, first.id)
        assert kept is not None
        assert (kept.starts_at, kept.ends_at) == (TEN, TEN + timedelta(hours=1))
        # Moving over its own old time is fine (it does not collide with itself).
        moved = await booking_repo.reschedule_booking(
            conn, first.id, starts_at=TEN + timedelta(minutes=30), actor="customer"
        )
        assert (moved.starts_at, moved.ends_at) == (
            TEN + timedelta(minutes=30),
            TEN + timedelta(minutes=90),
        )
        actions = await conn.fetch(
            "SELECT action FROM booking_history WHERE booking_id = $1 ORDER BY id", first.id
        )
    assert [a["action"] for a in actions] == ["created", "rescheduled"]
    assert [r["starts_at"] for r in await confirmed(pg_pool, tenant)] == [
        TEN + timedelta(minutes=30),
        later,
    ]


async def test_customers_keep_their_first_source_and_review_once(pg_pool, tenant_factory):
    tenant = await tenant_factory()
    async with tenant_tx(pg_pool, tenant) as conn:
        first = await booking_repo.upsert_customer(
            conn, telegram_id=42, name="Ира", source="instagram"
        )
        again = await booking_repo.upsert_customer(
            conn, telegram_id=42, phone="+79990000000", source="vk"
        )
        same = await booking_repo.upsert_customer(conn, telegram_id=42)
    assert again.id == first.id == same.id
    assert (same.name, same.phone, same.source) == ("Ира", "+79990000000", "instagram")
    _, service, master = await seeded(pg_pool, tenant)
    made = await book(pg_pool, tenant, (first.id, service, master), TEN)
    assert isinstance(made, Booking)
    async with tenant_tx(pg_pool, tenant) as conn:
        review = await booking_repo.add_review(
            conn, booking_id=made.id, customer_id=first.id, stars=5, comment="Спасибо!"
        )
        assert review.stars == 5
        with pytest.raises(ReviewRefused) as caught:
            await booking_repo.add_review(conn, booking_id=made.id, customer_id=first.id, stars=4)
    assert caught.value.reason == "review_exists"


async def test_a_tenant_cannot_read_another_tenants_bookings(pg_pool, tenant_factory):
    tenant_a, tenant_b = await tenant_factory(), await tenant_factory(name="Барбершоп")
    async with tenant_tx(pg_pool, tenant_a) as conn:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.fetch(f"SELECT * FROM {tenant_schema(tenant_b)}.bookings")
