"""A notifier dispatcher rig for integration tests: its own database with the notifier schema,
the Telegram emulator with its flood limits off, real Redis and NATS, the real sender; plus a
sender whose network stalls on demand and a clock the test holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from redis.asyncio import Redis

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from sandbox.telegram.testing import running_sandbox
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.adapters.rate_limit_redis import RedisRateLimiter
from services.notifier.adapters.telegram_sender import TelegramSender
from services.notifier.main import MIGRATIONS
from services.notifier.ports import Claimed, NewDelivery, SendResult
from services.notifier.use_cases import Dispatcher, DispatchPolicy, LateReminders
from shared.bus import MSG_ID_HEADER, ensure_streams, tenants_bucket
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.messages import DeadLetter, TenantConfig, decode, encode
from shared.migrate import load_migrations, migrate_schema
from shared.settings import Secret, TelegramSettings
from shared.subjects import dead_letter
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory
from tests.conftest import create_database, drop_database, unique_tenant_id

SECRET = Secret("notifier-exactly-once-platform-secret-0123456789")
FAST = DispatchPolicy(
    per_bot_rate=1000.0,  # the emulator's limits are off: these tests are about leases
    per_chat_rate=1000.0,
    poll_seconds=0.05,
    lease_seconds=2.0,
    send_timeout_seconds=1.0,
    backoff_base_seconds=0.2,
    max_attempts=3,
)


class JetStreamEvents:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await self._js.publish(subject, encode(event), headers={MSG_ID_HEADER: msg_id})


class StallingSender:
    """The real sender behind a network that stalls every request until `release()`: what a
    slow batch or a hung connection looks like to the replica that holds the rows."""

    def __init__(self, inner: TelegramSender, expected: int) -> None:
        self._inner = inner
        self._expected = expected
        self._open = asyncio.Event()
        self.stalled = 0
        self.all_stalled = asyncio.Event()

    async def send(self, row: Claimed) -> SendResult:
        self.stalled += 1
        if self.stalled >= self._expected:
            self.all_stalled.set()
        await self._open.wait()
        return await self._inner.send(row)

    def release(self) -> None:
        self._open.set()


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@dataclass
class Rig:
    telegram: TelegramSandboxClient
    nc: NatsClient
    js: JetStreamContext
    pool: asyncpg.Pool
    redis: Redis
    sender: TelegramSender
    sealer: Sealer

    def dispatcher(
        self,
        *,
        sender: StallingSender | TelegramSender | None = None,
        clock: MovableClock | SystemClock | None = None,
        late: LateReminders | None = None,
    ) -> Dispatcher:
        return Dispatcher(
            queue=PgDeliveries(self.pool),
            limiter=RedisRateLimiter(self.redis, per_bot_rate=1000.0, per_chat_rate=1000.0),
            sender=sender or self.sender,
            events=JetStreamEvents(self.js),
            clock=clock or SystemClock(),
            policy=FAST,
            late=late,
        )

    async def tenant(self, *, token: str | None = None) -> tuple[str, SandboxBot]:
        tenant_id = unique_tenant_id("ne")
        bot = await self.telegram.create_bot(f"{tenant_id}_bot")
        directory = TenantDirectory(await tenants_bucket(self.js))
        await directory.put(
            TenantConfig(
                tenant_id=tenant_id,
                status="active",
                business_name="Салон",
                bot_id=bot.id,
                bot_username=bot.username,
                bot_token_sealed=self.sealer.seal(token if token is not None else bot.token),
                delivery="polling",
                timezone="Asia/Yekaterinburg",
                owner_chat_id=1,
                paid_until=datetime.now(UTC) + timedelta(days=30),
            )
        )
        return tenant_id, bot

    async def due_now(self, tenant_id: str, chats: list[int], *, text: str = "Напоминаем") -> None:
        now = datetime.now(UTC)
        rows = [
            NewDelivery(
                dedup_key=f"test:{tenant_id}:{chat}",
                tenant_id=tenant_id,
                via="tenant",
                chat_id=chat,
                kind="reminder",
                text=text,
                due_at=now,
            )
            for chat in chats
        ]
        await PgDeliveries(self.pool).add(rows)

    async def until(self, sql: str, *args: object, timeout: float = 15.0) -> None:
        """Wait until `sql` (a count) is zero."""
        async with asyncio.timeout(timeout):
            while await self.pool.fetchval(sql, *args):  # noqa: ASYNC110 - no event in SQL
                await asyncio.sleep(0.05)

    async def per_chat(self, bot: SandboxBot) -> Counter[int]:
        sent = await self.telegram.sent(bot)
        return Counter(i.chat_id for i in sent if i.method == "sendMessage" and i.chat_id)

    async def dead_letters(self) -> asyncio.Queue[DeadLetter]:
        queue: asyncio.Queue[DeadLetter] = asyncio.Queue()

        async def collect(msg: nats.aio.msg.Msg) -> None:
            await queue.put(decode(DeadLetter, msg.data))

        await self.nc.subscribe(dead_letter("notifier"), cb=collect)
        return queue


@asynccontextmanager
async def open_rig(infra: LocalInfra, database_server_url: str, name: str) -> AsyncIterator[Rig]:
    """Its own database (only these rows), the emulator with limits off, NATS streams."""
    url = await create_database(database_server_url, name)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=20)
    assert pool is not None
    await migrate_schema(pool, "notifier", load_migrations(MIGRATIONS))
    nc = await nats.connect(infra.nats_url)
    js = nc.jetstream()
    await ensure_streams(js)
    redis = Redis.from_url(infra.redis_url)
    sealer = Sealer(SECRET)
    async with running_sandbox(flood_limits=False) as sandbox_url:
        telegram = TelegramSandboxClient(sandbox_url)
        bots = Bots(make_session(TelegramSettings(api_base=sandbox_url), interactive=False))
        sender = TelegramSender(
            bots=bots,
            directory=TenantDirectory(await tenants_bucket(js)),
            sealer=sealer,
            sales_token=Secret(""),
            request_timeout=FAST.send_timeout_seconds,
        )
        yield Rig(telegram, nc, js, pool, redis, sender, sealer)
        await bots.close()
        await telegram.aclose()
    await redis.aclose()
    await nc.close()
    await pool.close()
    await drop_database(database_server_url, name)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
