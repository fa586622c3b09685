"""The notifier's dispatcher against real Postgres, Redis, NATS and the Telegram emulator: a
row is leased at send time, so a second replica never sends it again; a send error the sender
does not map ends `failed` with a dead letter; a row a killed sender left `sending` goes out once;
late reminders are reworded or dropped; the delivery log is purged after its retention period.

The dispatchers run in this process over their own database, so only these tests' rows exist.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from redis.asyncio import Redis

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from sandbox.telegram.testing import running_sandbox
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.adapters.delivery_log_pg import PgDeliveryLog
from services.notifier.adapters.rate_limit_redis import RedisRateLimiter
from services.notifier.adapters.telegram_sender import TelegramSender
from services.notifier.main import MIGRATIONS
from services.notifier.ports import Claimed, NewDelivery, SendResult
from services.notifier.use_cases import (
    BookingNotes,
    Dispatcher,
    DispatchPolicy,
    LateReminders,
    Retention,
    Texts,
)
from services.notifier.use_cases.texts import LOCALES
from shared.bus import MSG_ID_HEADER, ensure_streams, tenants_bucket
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.messages import BookingCreated, DeadLetter, TenantConfig, decode, encode
from shared.migrate import load_migrations, migrate_schema
from shared.settings import Secret, TelegramSettings
from shared.subjects import dead_letter
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory
from tests.conftest import RUN_ID, create_database, drop_database, unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

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


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def rig(infra: LocalInfra, database_server_url: str) -> AsyncIterator[Rig]:
    name = f"bookbots_test_{RUN_ID}_notifier_once"
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


async def test_a_slow_replica_and_a_second_one_send_each_reminder_once(rig: Rig) -> None:
    tenant_id, bot = await rig.tenant()
    chats = [70_000 + i for i in range(20)]
    await asyncio.gather(*(rig.telegram.send_text(bot, chat, "/start") for chat in chats))
    await rig.due_now(tenant_id, chats)

    # Replica A claims every row, and its network stalls before the requests leave.
    stalling = StallingSender(rig.sender, expected=len(chats))
    slow = asyncio.create_task(rig.dispatcher(sender=stalling).run_once())
    await asyncio.wait_for(stalling.all_stalled.wait(), timeout=10)

    # Replica B runs meanwhile, and the reminders go out.
    fast = asyncio.create_task(rig.dispatcher().run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 AND status <> 'sent'",
            tenant_id,
        )
        # A's network comes back; whatever A still holds, it must not send again.
        stalling.release()
        await asyncio.wait_for(slow, timeout=10)
    finally:
        await stop(fast)

    assert await rig.per_chat(bot) == dict.fromkeys(chats, 1)


async def test_an_unmapped_send_error_ends_failed_with_a_dead_letter(rig: Rig) -> None:
    # The tenant's sealed token unseals to something aiogram refuses before any request: an
    # error the sender does not map.
    tenant_id, bot = await rig.tenant(token="not-a-bot-token")
    chat = 71_001
    await rig.telegram.send_text(bot, chat, "/start")
    letters = await rig.dead_letters()
    await rig.due_now(tenant_id, [chat])
    (row_id,) = [
        r["id"]
        for r in await rig.pool.fetch(
            "SELECT id FROM notifier.deliveries WHERE tenant_id = $1", tenant_id
        )
    ]

    task = asyncio.create_task(rig.dispatcher().run())
    try:
        async with asyncio.timeout(15):
            while True:
                letter = await letters.get()
                if msgspec.json.decode(letter.payload)["delivery_id"] == row_id:
                    break
    finally:
        await stop(task)

    assert letter.deliveries == FAST.max_attempts
    assert "TokenValidationError" in letter.error
    row = await rig.pool.fetchrow(
        "SELECT status, attempts, lease_token FROM notifier.deliveries WHERE id = $1", row_id
    )
    assert row is not None
    assert (row["status"], row["attempts"]) == ("failed", FAST.max_attempts)
    assert await rig.per_chat(bot) == {}


async def test_a_row_left_sending_by_a_killed_sender_is_sent_once(rig: Rig) -> None:
    tenant_id, bot = await rig.tenant()
    chat = 72_001
    await rig.telegram.send_text(bot, chat, "/start")
    await rig.due_now(tenant_id, [chat])

    # A begins the send, then dies before any answer (its task is gone, its lease stays).
    stalling = StallingSender(rig.sender, expected=1)
    killed = asyncio.create_task(rig.dispatcher(sender=stalling).run())
    await asyncio.wait_for(stalling.all_stalled.wait(), timeout=10)
    await stop(killed)
    status = await rig.pool.fetchval(
        "SELECT status FROM notifier.deliveries WHERE tenant_id = $1", tenant_id
    )
    assert status == "sending"

    task = asyncio.create_task(rig.dispatcher().run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 AND status <> 'sent'",
            tenant_id,
        )
    finally:
        await stop(task)

    assert await rig.per_chat(bot) == {chat: 1}
    attempts = await rig.pool.fetchval(
        "SELECT attempts FROM notifier.deliveries WHERE tenant_id = $1", tenant_id
    )
    assert attempts == 2  # the killed one counts: a row that kills every sender ends failed


async def test_a_late_reminder_is_reworded_and_one_after_the_visit_started_is_dropped(
    rig: Rig,
) -> None:
    tenant_id, bot = await rig.tenant()
    ru, en, started = 73_001, 73_002, 73_003
    for chat in (ru, en, started):
        await rig.telegram.send_text(bot, chat, "/start")
    # Tomorrow at 15:00 in Yekaterinburg (UTC+5); the notifier's clock is held by the test.
    base = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    starts = base + timedelta(days=1)
    clock = MovableClock(starts - timedelta(hours=5))
    texts = Texts.load(LOCALES)
    notes = BookingNotes(
        store=PgDeliveries(rig.pool), texts=texts, clock=clock, review_delay=timedelta(days=999)
    )

    def booking(booking_id: int, chat: int, at: datetime, locale: str) -> BookingCreated:
        return BookingCreated(
            tenant_id=tenant_id,
            booking_id=booking_id,
            customer_chat_id=chat,
            customer_name="Клиент",
            customer_phone="+79990000000",
            service_name="Стрижка",
            master_name="Анна",
            starts_at=at,
            ends_at=at + timedelta(hours=1),
            timezone="Asia/Yekaterinburg",
            reminder_offsets_min=(120,),
            locale=locale,
        )

    await notes.on_created(booking(1, ru, starts, "ru"))
    await notes.on_created(booking(2, en, starts, "en"))
    await notes.on_created(booking(3, started, starts - timedelta(hours=1, minutes=30), "ru"))

    # An outage: the notifier comes back at 14:10, 70 minutes after the 13:00 reminders were due
    # and 40 minutes after the third visit began.
    clock.at = starts - timedelta(minutes=50)
    late = LateReminders(texts, timedelta(minutes=15))
    task = asyncio.create_task(rig.dispatcher(clock=clock, late=late).run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 "
            "AND kind = 'reminder' AND status IN ('pending', 'sending')",
            tenant_id,
        )
    finally:
        await stop(task)

    (ru_message,) = await rig.telegram.wait_for_message(bot, ru, after_message_id=1, timeout=5)
    assert ru_message.text is not None
    assert "ваша запись сегодня в 15:00" in ru_message.text
    assert "через" not in ru_message.text
    assert [b.text for b in ru_message.buttons[0]] == ["Подтвердить", "Перенести", "Отменить"]
    (en_message,) = await rig.telegram.wait_for_message(bot, en, after_message_id=1, timeout=5)
    assert en_message.text is not None
    assert "your visit is today at 15:00" in en_message.text
    assert (await rig.per_chat(bot)).get(started, 0) == 0
    status = await rig.pool.fetchval(
        "SELECT status FROM notifier.deliveries WHERE tenant_id = $1 AND ref = '3' "
        "AND kind = 'reminder'",
        tenant_id,
    )
    assert status == "cancelled"


async def test_retention_purges_old_finished_rows_in_batches_and_keeps_the_rest(rig: Rig) -> None:
    tenant_id = unique_tenant_id("nr")
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=91), now - timedelta(days=89)
    rows = {
        "old_sent": ("sent", old),
        "old_failed": ("failed", old),
        "old_blocked": ("blocked", old),
        "old_pending": ("pending", old),  # never went out: not the log's to purge
        "recent_sent": ("sent", recent),
    }
    for key, (status, due) in rows.items():
        await rig.pool.execute(
            "INSERT INTO notifier.deliveries (dedup_key, tenant_id, via, chat_id, kind, text, "
            "due_at, status) VALUES ($1, $2, 'tenant', 1, 'reminder', "
            "'Клиент Анна, +79990000000', $3, $4)",
            f"{tenant_id}:{key}",
            tenant_id,
            due,
            status,
        )
    retention = Retention(
        log_store=PgDeliveryLog(rig.pool), clock=SystemClock(), keep=timedelta(days=90), batch=2
    )
    assert await retention.purge_once() >= 3
    left = await rig.pool.fetch(
        "SELECT dedup_key FROM notifier.deliveries WHERE tenant_id = $1 ORDER BY dedup_key",
        tenant_id,
    )
    assert [r["dedup_key"] for r in left] == [
        f"{tenant_id}:old_pending",
        f"{tenant_id}:recent_sent",
    ]
