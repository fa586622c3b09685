"""One booking tenant for the whole fuzz session, as booking's subscriber would serve it.

Tenant A (the one fuzzed): the seed's services and master «Мастер», a second master «Ирина»
whose staff member is MASTER, the owner OWNER, and bookings of CUSTOMER and of OTHER on both
masters. Tenant B (another business) has its own bookings, with ids far from A's, so a
button carrying B's ids is a cross-tenant attempt. The clock is fixed (Monday 2 June 2031,
09:00 Moscow). Each case's changes to A are undone from a snapshot (only when it changed).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiogram import Bot, Dispatcher
from redis.asyncio import Redis

from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from services.booking.bot import build_dispatcher
from services.booking.context import BookingDeps, TenantContext
from services.booking.main import LOCALES
from shared.bus import Publisher
from shared.db import tenant_schema
from shared.i18n import Catalog
from shared.messages import TenantConfig
from shared.migrate import create_tenant_schema, shared_migrations
from shared.redis_keys import current_tenant
from shared.settings import Secret
from shared.telegram import Bots
from tests.conftest import unique_tenant_id
from tests.fuzz.harness import (
    Counts,
    Fingerprint,
    Outcome,
    Part,
    RawUpdates,
    Snapshot,
    changed,
    feed_like_subscriber,
    tables_of,
)
from tests.support.catalog import give_catalog

NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
OWNER = 700_000_101
MASTER = 700_000_102
CUSTOMER = 700_000_103
OTHER = 700_000_104
STRANGERS = [700_000_105, 700_000_106]
POOL = [OWNER, MASTER, CUSTOMER, OTHER, *STRANGERS]
B_FIRST_ID = 900_001


class FixedClock:
    def now(self) -> datetime:
        return NOW


def at(day: int, hour: int) -> datetime:
    """A Moscow wall time in June 2031."""
    return datetime(2031, 6, day, hour - 3, tzinfo=UTC)


async def _new_tenant(pool: asyncpg.Pool, name: str) -> str:
    tenant_id = unique_tenant_id("fz")
    async with pool.acquire() as conn, conn.transaction():
        await create_tenant_schema(conn, tenant_id, shared_migrations("tenant"))
        await conn.execute(
            f'INSERT INTO "{tenant_schema(tenant_id)}".business (name, timezone, address, phone) '
            "VALUES ($1, 'Europe/Moscow', 'ул. Ленина, 1', '+7 495 000-00-00')",
            name,
        )
        await give_catalog(conn, tenant_id)
    return tenant_id


_BOOK = """
INSERT INTO bookings (id, customer_id, service_id, master_id, starts_at, ends_at, blocked,
                      price_kopecks, status, cancelled_by)
SELECT $1, $2, s.id, $3, $4::timestamptz, $4::timestamptz + make_interval(mins => s.duration_min),
       tstzrange($4::timestamptz, $4::timestamptz + make_interval(mins => s.duration_min), '[)'),
       s.price_kopecks, $5, CASE WHEN $5 = 'cancelled' THEN 'customer' END
FROM services AS s WHERE s.name = 'Стрижка'
"""


@contextlib.asynccontextmanager
async def _seeding(pool: asyncpg.Pool, tenant_id: str) -> AsyncIterator[asyncpg.Connection]:
    """A transaction in the tenant's schema as the test's superuser (ids set by hand)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('search_path', $1, true)", tenant_schema(tenant_id))
        yield conn


async def _seed_a(pool: asyncpg.Pool, tenant_id: str) -> int:
    """Returns the id of master «Ирина»."""
    async with _seeding(pool, tenant_id) as conn:
        first = await conn.fetchval("SELECT id FROM masters ORDER BY id LIMIT 1")
        irina = await conn.fetchval(
            "INSERT INTO masters (name, sort_order) VALUES ('Ирина', 20) RETURNING id"
        )
        await conn.execute(
            "INSERT INTO master_services (master_id, service_id) SELECT $1, id FROM services",
            irina,
        )
        await conn.execute(
            "INSERT INTO working_hours (master_id, weekday, starts, ends) "
            "SELECT $1, d, '09:00', '18:00' FROM generate_series(0, 4) AS d",
            irina,
        )
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Анна', 'owner')",
            OWNER,
        )
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role, master_id) "
            "VALUES ($1, 'Ирина', 'master', $2)",
            MASTER,
            irina,
        )
        customers = {}
        for telegram_id, name in ((CUSTOMER, "Ольга"), (OTHER, "Пётр")):
            customers[telegram_id] = await conn.fetchval(
                "INSERT INTO customers (telegram_id, name, phone) VALUES ($1, $2, '+79120000000') "
                "RETURNING id",
                telegram_id,
                name,
            )
        plan = [
            (CUSTOMER, first, at(3, 10), "confirmed"),
            (CUSTOMER, irina, at(4, 11), "confirmed"),
            (CUSTOMER, first, at(5, 12), "cancelled"),
            (OTHER, first, at(3, 12), "confirmed"),
            (OTHER, irina, at(3, 15), "confirmed"),
            (OTHER, irina, at(6, 10), "confirmed"),
        ]
        for number, (who, master, starts, status) in enumerate(plan, start=1):
            await conn.execute(_BOOK, number, customers[who], master, starts, status)
        await conn.execute("SELECT setval(pg_get_serial_sequence('bookings', 'id'), 100)")
    return int(irina)


async def _seed_b(pool: asyncpg.Pool, tenant_id: str) -> None:
    async with _seeding(pool, tenant_id) as conn:
        master = await conn.fetchval("SELECT id FROM masters ORDER BY id LIMIT 1")
        customer = await conn.fetchval(
            "INSERT INTO customers (id, telegram_id, name) VALUES ($1, $2, 'Б') RETURNING id",
            B_FIRST_ID,
            CUSTOMER,  # the same person is a customer of both businesses
        )
        for offset in range(3):
            await conn.execute(
                _BOOK, B_FIRST_ID + offset, customer, master, at(3 + offset, 16), "confirmed"
            )


def refusable(role: str, schema: str, tables: list[str], master_id: int) -> list[Part]:
    """What a customer (CUSTOMER) or a master (MASTER, of «Ирина») can never change, whatever
    they press: other people's bookings and customers, and the business's setup; a master
    also nothing of other masters. Staff are customers too: their own customer row and
    bookings are theirs to change."""
    q = f'"{schema}"'
    user = CUSTOMER if role == "customer" else MASTER
    theirs = f"customer_id IN (SELECT id FROM {q}.customers WHERE telegram_id = {user})"
    limited = {
        "bookings": f"NOT {theirs}",
        "booking_history": f"booking_id IN (SELECT id FROM {q}.bookings WHERE NOT {theirs})",
        "customers": f"telegram_id IS DISTINCT FROM {user}",
        "reviews": f"NOT {theirs}",
    }
    if role == "master":
        others = f"master_id IS DISTINCT FROM {master_id}"
        limited |= {
            "bookings": f"master_id <> {master_id} AND NOT {theirs}",
            "booking_history": f"booking_id IN (SELECT id FROM {q}.bookings "
            f"WHERE master_id <> {master_id} AND NOT {theirs})",
            "masters": f"id <> {master_id}",
            "working_hours": others,
            "breaks": others,
            "days_off": others,
            "changed_hours": others,
            "blocked_ranges": others,
        }
    return [Part(t, limited.get(t, "true")) for t in tables if t != "schema_migrations"]


@dataclass
class Role:
    user: int
    message_id: int  # a bot message in the user's chat that the fuzzed buttons are pressed on


@dataclass(repr=False)
class BookingWorld:
    counts: Counts
    client: TelegramSandboxClient
    sandbox_bot: SandboxBot
    bot: Bot
    dispatcher: Dispatcher
    deps: BookingDeps
    tenant: TenantContext
    other_tenant: str
    raw: RawUpdates
    pool: asyncpg.Pool
    snapshot: Snapshot
    whole: Fingerprint
    other_whole: Fingerprint
    roles: dict[str, Role]
    messages: dict[int, int]  # user -> a bot message in their chat
    foreign_ids: list[int]
    both: Fingerprint = field(init=False)
    refusals: dict[str, Fingerprint] = field(default_factory=dict)
    checks: dict[str, Fingerprint] = field(default_factory=dict)
    corpus: list[str] = field(default_factory=list)
    baseline: dict[Part, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.both = self.whole + self.other_whole

    async def feed(self, update: Any) -> Outcome:
        token = current_tenant.set(self.tenant.tenant_id)
        try:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            context = TenantContext(
                tenant_id=self.tenant.tenant_id,
                config=self.tenant.config,
                update_id=update_id if isinstance(update_id, int) else 0,
            )
            return await feed_like_subscriber(
                self.counts, self.dispatcher, self.bot, update, tenant=context, deps=self.deps
            )
        finally:
            current_tenant.reset(token)

    async def settle(self, role: str | None = None) -> tuple[list[str], list[str]]:
        """After a case, in one query: what changed that `role` (customer, master) may not
        change, and what changed in the other business (both must be empty); then tenant
        A's changed tables are put back as seeded."""
        fingerprint = self.checks.get(role or "", self.both)
        now = await fingerprint.take(self.pool)
        refused = (
            changed(self.baseline, now, self.refusals[role].parts) if role in self.refusals else []
        )
        other = changed(self.baseline, now, self.other_whole.parts)
        dirty = [p.name for p in self.whole.parts if now[p] != self.baseline[p]]
        if dirty:
            await self.snapshot.restore(self.pool, dirty)
        return refused, other


async def _start(world: BookingWorld, user: int, text: str) -> int:
    """The user sends `text` to the bot through the emulator; the bot's answer's message id."""
    await world.client.send_text(world.sandbox_bot, user, text, first_name="Тест")
    for update in await world.raw.take():
        assert await world.feed(update) == "ok"
    view = await world.client.chat(world.sandbox_bot, user)
    return [m for m in view.messages if m.from_bot][-1].message_id


async def pressed(
    client: TelegramSandboxClient,
    bot: SandboxBot,
    raw: RawUpdates,
    user: int,
    message_id: int,
    data: str,
) -> dict[str, object]:
    """The raw update of `user` pressing a button with `data` on the bot's message (the
    emulator opens the query, so the bot's answer to it is valid, as with Telegram)."""
    await client.press(bot, user, message_id, data, force=True)
    return await raw.one()


async def open_booking_world(
    *,
    counts: Counts,
    client: TelegramSandboxClient,
    base_url: str,
    http: httpx.AsyncClient,
    bots: Bots,
    redis: Redis,
    publisher: Publisher,
    pool: asyncpg.Pool,
) -> BookingWorld:
    tenant_id = await _new_tenant(pool, "Салон <b>Анна</b> & Co")
    other = await _new_tenant(pool, "Барбершоп")
    irina = await _seed_a(pool, tenant_id)
    await _seed_b(pool, other)
    username = f"fz_{uuid.uuid4().hex[:10]}_bot"
    sandbox_bot = await client.create_bot(username, "Салон")
    config = TenantConfig(
        tenant_id=tenant_id,
        status="active",
        business_name="Салон <b>Анна</b> & Co",
        bot_id=sandbox_bot.id,
        bot_username=username,
        bot_token_sealed="sealed",
        delivery="polling",
        timezone="Europe/Moscow",
        owner_chat_id=OWNER,
        paid_until=NOW + timedelta(days=30),
    )
    schema = tenant_schema(tenant_id)
    tables = await tables_of(pool, schema)
    world = BookingWorld(
        counts=counts,
        client=client,
        sandbox_bot=sandbox_bot,
        bot=bots.get(Secret(sandbox_bot.token)),
        dispatcher=build_dispatcher(redis),
        deps=BookingDeps(
            pool=pool, publisher=publisher, clock=FixedClock(), texts=Catalog.load(LOCALES)
        ),
        tenant=TenantContext(tenant_id=tenant_id, config=config, update_id=0),
        other_tenant=other,
        raw=RawUpdates(http, base_url, sandbox_bot.token),
        pool=pool,
        snapshot=Snapshot(schema, tables),
        whole=Fingerprint(schema, [Part(t) for t in tables]),
        other_whole=Fingerprint(
            tenant_schema(other), [Part(t) for t in await tables_of(pool, tenant_schema(other))]
        ),
        roles={},
        messages={},
        foreign_ids=[B_FIRST_ID, B_FIRST_ID + 1, 4, 5, 6],  # B's bookings; OTHER's in A
    )
    world.roles["owner"] = Role(OWNER, await _start(world, OWNER, "/admin"))
    world.roles["master"] = Role(MASTER, await _start(world, MASTER, "/admin"))
    world.roles["customer"] = Role(CUSTOMER, await _start(world, CUSTOMER, "/start"))
    world.messages = {r.user: r.message_id for r in world.roles.values()}
    for user in (OTHER, *STRANGERS):
        world.messages[user] = await _start(world, user, "/start")
    await world.snapshot.take(pool)
    world.refusals = {
        role: Fingerprint(schema, refusable(role, schema, tables, irina))
        for role in ("customer", "master")
    }
    world.corpus = await harvest(
        client, sandbox_bot, world.raw, world.feed, [r.user for r in world.roles.values()]
    )
    await world.snapshot.restore(pool)
    world.checks = {role: f + world.both for role, f in world.refusals.items()}
    for check in world.checks.values():
        world.baseline |= await check.take(pool)
    return world


async def harvest(
    client: TelegramSandboxClient,
    bot: SandboxBot,
    raw: RawUpdates,
    feed: Callable[[Any], Awaitable[Outcome]],
    users: list[int],
    *,
    presses_per_user: int = 25,
) -> list[str]:
    """Callback data from the bot's own replies: each user presses their way breadth-first
    through the screens they are shown (the caller undoes what that changed)."""
    found: set[str] = set()
    for user in users:
        queue: list[tuple[int, str]] = []
        seen: set[str] = set()
        version = 0
        for _ in range(presses_per_user + 1):
            view = await client.chat(bot, user)
            for message in view.messages:
                if not message.from_bot or message.version <= version:
                    continue
                for row in message.buttons:
                    for button in row:
                        data = button.callback_data
                        if data and data not in seen:
                            seen.add(data)
                            queue.append((message.message_id, data))
            version = view.version
            if not queue:
                break
            message_id, data = queue.pop(0)
            update = await pressed(client, bot, raw, user, message_id, data)
            assert await feed(update) == "ok", data
        found |= seen
    await raw.take()
    return sorted(found)
