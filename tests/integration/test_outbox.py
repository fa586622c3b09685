"""The transactional outbox on real Postgres and JetStream: an event follows its commit even
when NATS was away at the time, two relays publish each row once, tenant roles may only add
their own events, and a redelivered move is recognised."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import nats
import pytest
import pytest_asyncio
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from devstack.infra import LocalInfra
from services.booking.adapters.tenant_store import PgTenantStore
from services.booking.use_cases import manage
from services.booking.use_cases.booking import Held, confirm_booking
from services.booking.use_cases.ports import Scope
from shared.bus import Publisher, make_broker, open_bus
from shared.db import tenant_tx
from shared.messages import BookingCreated, BookingRescheduled
from shared.outbox import PublishFailed, Relay, enqueue
from shared.subjects import STREAM_BOOKING, booking_event
from tests.conftest import RUN_ID, TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 5, 30, 9, 0, tzinfo=UTC)
TEN = datetime(2031, 6, 2, 7, 0, tzinfo=UTC)  # a Monday, 10:00 Moscow
FOURTEEN_THIRTY = TEN + timedelta(hours=5, minutes=30)  # after the seed's 14-15 break


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


@pytest_asyncio.fixture(loop_scope="session")
async def bus(infra: LocalInfra) -> AsyncIterator[tuple[NatsBroker, JetStreamContext]]:
    broker = make_broker(infra.nats_url, f"outbox-test-{RUN_ID}")
    js = await open_bus(broker)
    yield broker, js
    await broker.stop()


async def stored(js: JetStreamContext, subject: str) -> int:
    info = await js.stream_info(STREAM_BOOKING.name, subjects_filter=subject)
    return (info.state.subjects or {}).get(subject, 0)


async def unsent(pool: asyncpg.Pool, subject: str) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM outbox.events WHERE subject = $1 AND sent_at IS NULL", subject
        )
    )


async def a_customer(pool: asyncpg.Pool, tenant: str, telegram_id: int) -> int:
    async with tenant_tx(pool, tenant) as conn:
        service_id: int = await conn.fetchval("SELECT id FROM services WHERE name = 'Стрижка'")
        await conn.execute(
            "INSERT INTO customers (telegram_id, name, phone) VALUES ($1, 'Ольга', '+79120000000')",
            telegram_id,
        )
    return service_id


async def test_a_booking_committed_while_nats_is_away_reaches_the_stream_once(
    pg_pool: asyncpg.Pool, tenant_factory: TenantFactory, bus: tuple[NatsBroker, JetStreamContext]
) -> None:
    broker, js = bus
    tenant = await tenant_factory()
    service_id = await a_customer(pg_pool, tenant, 5001)
    scope = Scope(tenant_id=tenant, store=PgTenantStore(pg_pool, tenant), clock=FixedClock(NOW))
    held = Held(service_id, None, 0, TEN)
    # No relay is running (the process "crashed" right after its commit): the booking stands.
    done = await confirm_booking(
        scope, telegram_id=5001, service_id=service_id, starts_at=TEN, held=held
    )
    subject = booking_event("created", tenant)
    assert await stored(js, subject) == 0
    assert await unsent(pg_pool, subject) == 1

    # A relay whose NATS is away keeps the row and counts the attempt.
    offline = Relay(
        pg_pool, Publisher(make_broker("nats://127.0.0.1:1", "offline")), stream=STREAM_BOOKING
    )
    with pytest.raises(PublishFailed):
        await offline.drain()
    assert await unsent(pg_pool, subject) == 1
    attempts = await pg_pool.fetchval(
        "SELECT attempts FROM outbox.events WHERE subject = $1", subject
    )
    assert attempts >= 1

    # NATS is back: the event reaches the stream, once, even if published twice (a crash
    # between publishing and marking the row sent).
    relay = Relay(pg_pool, Publisher(broker), stream=STREAM_BOOKING)
    row = await pg_pool.fetchrow(
        "SELECT payload, msg_id FROM outbox.events WHERE subject = $1", subject
    )
    await Publisher(broker).publish_raw(subject, bytes(row["payload"]), msg_id=row["msg_id"])
    await relay.drain()
    assert await unsent(pg_pool, subject) == 0
    assert await stored(js, subject) == 1
    msg = await js.get_last_msg(STREAM_BOOKING.name, subject)
    event = msgspec.json.decode(msg.data, type=BookingCreated)
    assert (event.booking_id, event.starts_at) == (done.booking.id, TEN)
    assert msg.headers is not None
    assert msg.headers["Nats-Msg-Id"] == f"booking:{tenant}:{done.booking.id}:created"

    # A confirm delivered again finds the booking and adds no second event.
    again = await confirm_booking(
        scope, telegram_id=5001, service_id=service_id, starts_at=TEN, held=None
    )
    assert again.booking.id == done.booking.id
    assert await unsent(pg_pool, subject) == 0


async def test_two_relays_publish_each_row_once(
    pg_pool: asyncpg.Pool, tenant_factory: TenantFactory, infra: LocalInfra
) -> None:
    tenant = await tenant_factory()
    subject = booking_event("created", tenant)
    watcher = await nats.connect(infra.nats_url)
    seen: list[str] = []

    async def note(msg: nats.aio.msg.Msg) -> None:
        seen.append((msg.headers or {}).get("Nats-Msg-Id", uuid.uuid4().hex))

    sub = await watcher.subscribe(subject, cb=note)
    brokers = [make_broker(infra.nats_url, f"relay-{i}-{RUN_ID}") for i in range(2)]
    tasks = []
    try:
        for broker in brokers:
            await open_bus(broker)
            relay = Relay(pg_pool, Publisher(broker), stream=STREAM_BOOKING, batch=7)
            tasks.append(asyncio.create_task(relay.run()))
        total = 0
        for batch in range(20):
            async with tenant_tx(pg_pool, tenant) as conn:
                for i in range(10):
                    event = _created(tenant, batch * 10 + i)
                    await enqueue(conn, subject, event, msg_id=None)
                    total += 1
        await _until(lambda: _count_sent(pg_pool, subject, total))
        await watcher.flush()
        await _until(lambda: _length_is(seen, total))
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await sub.unsubscribe()
        await watcher.close()
        for broker in brokers:
            await broker.stop()
    assert len(seen) == total  # every publish seen on the wire, none twice
    assert len(set(seen)) == total


async def test_a_tenant_role_may_only_add_its_own_booking_events(
    pg_pool: asyncpg.Pool, tenant_factory: TenantFactory
) -> None:
    mine, other = await tenant_factory(), await tenant_factory()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_tx(pg_pool, mine) as conn:
            await enqueue(conn, booking_event("created", other), _created(other, 1), msg_id="x")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_tx(pg_pool, mine) as conn:
            await enqueue(conn, "payment.succeeded", _created(mine, 1), msg_id="y")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_tx(pg_pool, mine) as conn:
            await conn.fetch("SELECT * FROM outbox.events")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_tx(pg_pool, mine) as conn:
            await conn.execute("DELETE FROM outbox.events")


async def test_a_redelivered_move_gives_one_event_with_the_right_times(
    pg_pool: asyncpg.Pool, tenant_factory: TenantFactory
) -> None:
    tenant = await tenant_factory()
    service_id = await a_customer(pg_pool, tenant, 5002)
    clock = FixedClock(NOW)
    scope = Scope(tenant_id=tenant, store=PgTenantStore(pg_pool, tenant), clock=clock)
    booked = await confirm_booking(
        scope,
        telegram_id=5002,
        service_id=service_id,
        starts_at=TEN,
        held=Held(service_id, None, 0, TEN),
    )
    move = {"telegram_id": 5002, "booking_id": booked.booking.id, "starts_at": FOURTEEN_THIRTY}
    first = await manage.reschedule(scope, commit=True, **move)
    # The same update delivered again, an hour before the new time (inside the cut-off).
    clock.value = FOURTEEN_THIRTY - timedelta(hours=1)
    again = await manage.reschedule(scope, commit=True, **move)
    assert (first.old_starts_at, again.old_starts_at) == (TEN, TEN)
    assert again.booking.starts_at == FOURTEEN_THIRTY
    rows = await pg_pool.fetch(
        "SELECT payload FROM outbox.events WHERE subject = $1",
        booking_event("rescheduled", tenant),
    )
    assert len(rows) == 1
    event = msgspec.json.decode(bytes(rows[0]["payload"]), type=BookingRescheduled)
    assert (event.old_starts_at, event.starts_at) == (TEN, FOURTEEN_THIRTY)


def _created(tenant: str, n: int) -> BookingCreated:
    return BookingCreated(
        tenant_id=tenant,
        booking_id=n,
        customer_chat_id=1,
        customer_name="Ольга",
        customer_phone="",
        service_name="Стрижка",
        master_name="Мастер",
        starts_at=TEN,
        ends_at=TEN + timedelta(hours=1),
        timezone="Europe/Moscow",
        reminder_offsets_min=(),
        admin_chat_ids=(),
        locale="ru",
    )


async def _count_sent(pool: asyncpg.Pool, subject: str, total: int) -> bool:
    sent = await pool.fetchval(
        "SELECT count(*) FROM outbox.events WHERE subject = $1 AND sent_at IS NOT NULL", subject
    )
    return bool(sent == total)


async def _length_is(seen: list[str], total: int) -> bool:
    return len(seen) >= total


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    """Wait until a condition over rows holds (no event to wait on in SQL)."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110 - polling rows, bounded by the timeout
            await asyncio.sleep(0.02)
