"""The notifier end to end over real NATS, Postgres and Redis, sending to the Telegram emulator
with its flood limits on: bursts arrive whole with no 429, nothing twice, blocked chats are left
alone, a reminder waits for its moment on the controllable clock, and a deleted tenant's
delivery log is gone."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from sandbox.telegram.testing import running_sandbox, serve_asgi
from services.notifier.config import NotifierSettings
from services.notifier.main import create_app
from shared.bus import MSG_ID_HEADER, clock_bucket, tenants_bucket
from shared.clock import CLOCK_OFFSET_KEY
from shared.crypto import Sealer
from shared.messages import (
    BookingCreated,
    DeliveryOutcome,
    TenantConfig,
    TenantDeleted,
    TenantProvisioned,
    decode,
    encode,
)
from shared.settings import Env, Secret
from shared.subjects import booking_event, delivery_outcome, tenant_event
from shared.tenants import TenantDirectory

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_SECRET = secrets.token_urlsafe(48)  # a fresh random key per run


@dataclass
class Stack:
    telegram: TelegramSandboxClient
    nc: NatsClient
    js: JetStreamContext
    pool: asyncpg.Pool
    sealer: Sealer
    sales_bot: SandboxBot
    clock_offset: float = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    async def set_clock(self, offset_seconds: float) -> None:
        self.clock_offset = offset_seconds
        kv = await clock_bucket(self.js)
        await kv.put(CLOCK_OFFSET_KEY, str(offset_seconds).encode())

    async def advance(self, seconds: float) -> None:
        """Move every service's controllable clock forward."""
        await self.set_clock(self.clock_offset + seconds)

    async def scheduled(self, tenant_id: str, kind: str, count: int, timeout: float = 15) -> None:
        """Wait until the notifier has turned the events into `count` pending rows of `kind`."""

        async def pending() -> int:
            value: int = await self.pool.fetchval(
                "SELECT count(*) FROM notifier.deliveries "
                "WHERE tenant_id = $1 AND kind = $2 AND status = 'pending'",
                tenant_id,
                kind,
            )
            return value

        async with asyncio.timeout(timeout):
            while await pending() < count:  # noqa: ASYNC110 - no event to wait on in SQL
                await asyncio.sleep(0.05)

    async def tenant(self, prefix: str = "nt") -> tuple[str, SandboxBot]:
        tenant_id = f"{prefix}_{uuid.uuid4().hex[:10]}"
        bot = await self.telegram.create_bot(f"{tenant_id}_bot")
        directory = TenantDirectory(await tenants_bucket(self.js))
        await directory.put(
            TenantConfig(
                tenant_id=tenant_id,
                status="active",
                business_name="Салон",
                bot_id=bot.id,
                bot_username=bot.username,
                bot_token_sealed=self.sealer.seal(bot.token),
                delivery="polling",
                timezone="Asia/Yekaterinburg",
                owner_chat_id=1,
                paid_until=self.now() + timedelta(days=30),
            )
        )
        return tenant_id, bot

    async def publish_booking(self, event: BookingCreated, msg_id: str | None = None) -> None:
        await self.js.publish(
            booking_event("created", event.tenant_id),
            encode(event),
            headers={MSG_ID_HEADER: msg_id or f"booking:{event.tenant_id}:{event.booking_id}"},
        )

    async def outcomes(self, tenant_id: str) -> asyncio.Queue[DeliveryOutcome]:
        queue: asyncio.Queue[DeliveryOutcome] = asyncio.Queue()

        async def collect(msg: nats.aio.msg.Msg) -> None:
            await queue.put(decode(DeliveryOutcome, msg.data))

        await self.nc.subscribe(delivery_outcome(tenant_id), cb=collect)
        return queue


def booking(
    tenant_id: str,
    booking_id: int,
    chat_id: int,
    starts_at: datetime,
    offsets: tuple[int, ...] = (60,),
    admins: tuple[int, ...] = (),
) -> BookingCreated:
    return BookingCreated(
        tenant_id=tenant_id,
        booking_id=booking_id,
        customer_chat_id=chat_id,
        customer_name=f"Клиент {chat_id}",
        customer_phone="+79990000000",
        service_name="Стрижка",
        master_name="Анна",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        timezone="Asia/Yekaterinburg",
        reminder_offsets_min=offsets,
        admin_chat_ids=admins,
    )


async def drain(
    queue: asyncio.Queue[DeliveryOutcome], count: int, timeout: float
) -> list[DeliveryOutcome]:
    async def take() -> list[DeliveryOutcome]:
        return [await queue.get() for _ in range(count)]

    return await asyncio.wait_for(take(), timeout)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(
    infra: LocalInfra, login_urls: dict[str, str], pg_pool: asyncpg.Pool
) -> AsyncIterator[Stack]:
    async with running_sandbox(flood_limits=True) as sandbox_url:
        telegram = TelegramSandboxClient(sandbox_url)
        sales_bot = await telegram.create_bot(f"sales_{uuid.uuid4().hex[:8]}_bot")
        settings = NotifierSettings.load(
            Env(
                {
                    **infra.nats_env("notifier"),  # notifier's own NATS user and login
                    "DATABASE_URL": login_urls["notifier"],
                    "REDIS_URL": infra.redis_url,
                    "TELEGRAM_API_BASE": sandbox_url,
                    "PLATFORM_SECRET": PLATFORM_SECRET,
                    "SALES_BOT_TOKEN": sales_bot.token,
                    "CLOCK": "controllable",
                    "NOTIFIER_POLL_SECONDS": "0.1",
                    "REVIEW_DELAY_MINUTES": "100000",  # no review requests during these tests
                    "LOG_FORMAT": "text",
                }
            )
        )
        nc = await nats.connect(infra.nats_url)
        js = nc.jetstream()
        stack = Stack(telegram, nc, js, pg_pool, Sealer(Secret(PLATFORM_SECRET)), sales_bot)
        async with serve_asgi(lambda _: create_app(settings)):
            await stack.set_clock(0)
            try:
                yield stack
            finally:
                await stack.set_clock(0)
        await nc.close()
        await telegram.aclose()


async def test_burst_is_delivered_whole_without_a_single_429(stack: Stack) -> None:
    tenant_id, bot = await stack.tenant()
    many = [10_000 + i for i in range(200)]
    busy = [20_001, 20_002, 20_003]
    await asyncio.gather(*(stack.telegram.send_text(bot, chat, "/start") for chat in many + busy))
    outcomes = await stack.outcomes(tenant_id)
    before = await stack.telegram.stats()

    starts = stack.now() + timedelta(minutes=61)  # reminders 60 min before: due in a minute
    events = [booking(tenant_id, i, chat, starts) for i, chat in enumerate(many)]
    events += [
        booking(tenant_id, 1000 + 10 * n + k, chat, starts)
        for n, chat in enumerate(busy)
        for k in range(5)
    ]
    await asyncio.gather(*(stack.publish_booking(event) for event in events))
    await stack.scheduled(tenant_id, "reminder", len(events))
    await stack.advance(61)  # every reminder is due at once

    done = await drain(outcomes, len(events), timeout=30)
    assert {o.status for o in done} == {"sent"}

    sent = await stack.telegram.sent(bot)
    per_chat: dict[int, int] = {}
    for item in sent:
        if item.method == "sendMessage" and item.chat_id is not None:
            per_chat[item.chat_id] = per_chat.get(item.chat_id, 0) + 1
    assert per_chat == {**dict.fromkeys(many, 1), **dict.fromkeys(busy, 5)}
    assert all("Напоминаем" in item.params["text"] for item in sent)
    after = await stack.telegram.stats()
    assert after.too_many_requests_total == before.too_many_requests_total == 0
    bot_sends = sorted(item.time for item in sent)
    assert all(b - a >= 0.999 for a, b in zip(bot_sends, bot_sends[30:], strict=False))


async def test_redelivered_booking_created_sends_nothing_twice(stack: Stack) -> None:
    tenant_id, bot = await stack.tenant()
    customer, marker_admin = 30_001, 30_002
    for chat in (customer, marker_admin):
        await stack.telegram.send_text(bot, chat, "/start")
    outcomes = await stack.outcomes(tenant_id)
    event = booking(tenant_id, 1, customer, stack.now() + timedelta(minutes=61))
    await stack.publish_booking(event)
    await stack.scheduled(tenant_id, "reminder", 1)
    await stack.advance(61)
    (first,) = await drain(outcomes, 1, timeout=10)
    assert (first.chat_id, first.kind, first.status) == (customer, "reminder", "sent")

    # The same event again, past JetStream's dedup window (a new message id), then a marker.
    await stack.publish_booking(event, msg_id=f"redelivered:{uuid.uuid4().hex}")
    marker = booking(tenant_id, 2, 0, stack.now() + timedelta(days=2), admins=(marker_admin,))
    await stack.publish_booking(marker)
    (second,) = await drain(outcomes, 1, timeout=10)
    assert (second.chat_id, second.kind) == (marker_admin, "admin_created")

    messages = await stack.telegram.sent(bot, chat_id=customer)
    assert len([m for m in messages if m.method == "sendMessage"]) == 1
    rows = await stack.pool.fetchval(
        "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 AND ref = '1'", tenant_id
    )
    assert rows == 2  # the reminder (sent) and the review request (tomorrow), once each
    assert outcomes.empty()


async def test_a_customer_who_blocked_the_bot_is_recorded_and_not_retried(stack: Stack) -> None:
    tenant_id, bot = await stack.tenant()
    customer = 40_001
    await stack.telegram.send_text(bot, customer, "/start")
    await stack.telegram.block(bot, customer)
    outcomes = await stack.outcomes(tenant_id)
    starts = stack.now() + timedelta(minutes=62)
    await stack.publish_booking(booking(tenant_id, 7, customer, starts, offsets=(61, 60)))
    await stack.scheduled(tenant_id, "reminder", 2)
    await stack.advance(121)

    done = await drain(outcomes, 2, timeout=15)
    assert [o.status for o in done] == ["blocked", "blocked"]
    rows = await stack.pool.fetch(
        "SELECT status, attempts FROM notifier.deliveries "
        "WHERE tenant_id = $1 AND kind = 'reminder' ORDER BY due_at",
        tenant_id,
    )
    assert [(r["status"], r["attempts"]) for r in rows] == [("blocked", 1), ("blocked", 0)]
    assert (
        await stack.pool.fetchval(
            "SELECT count(*) FROM notifier.blocked_chats WHERE tenant_id = $1 AND chat_id = $2",
            tenant_id,
            customer,
        )
        == 1
    )
    assert await stack.telegram.sent(bot, chat_id=customer) == []


async def test_a_reminder_due_in_24_hours_waits_for_the_clock(stack: Stack) -> None:
    tenant_id, bot = await stack.tenant()
    customer = 50_001
    await stack.telegram.send_text(bot, customer, "/start")
    outcomes = await stack.outcomes(tenant_id)
    starts = stack.now() + timedelta(hours=25)
    await stack.publish_booking(booking(tenant_id, 9, customer, starts, offsets=(60,)))
    await stack.scheduled(tenant_id, "reminder", 1)

    with pytest.raises(TimeoutError):
        await stack.telegram.wait_for_message(bot, customer, after_message_id=1, timeout=1.5)
    assert outcomes.empty()

    await stack.advance(24 * 3600 + 60)
    (outcome,) = await drain(outcomes, 1, timeout=10)
    assert (outcome.kind, outcome.status) == ("reminder", "sent")
    (message,) = await stack.telegram.wait_for_message(bot, customer, after_message_id=1, timeout=5)
    assert message.text is not None
    assert "через 1 ч" in message.text
    assert [b.text for b in message.buttons[0]] == ["Подтвердить", "Перенести", "Отменить"]


async def test_provisioned_tenant_hears_from_the_sales_bot(stack: Stack) -> None:
    tenant_id, bot = await stack.tenant()
    buyer = 60_001
    await stack.telegram.send_text(stack.sales_bot, buyer, "/start")
    event = TenantProvisioned(
        tenant_id=tenant_id,
        business_name="Салон «Анна»",
        bot_username=bot.username,
        owner_chat_id=buyer,
        buyer_chat_id=buyer,
        paid_until=stack.now() + timedelta(days=30),
        plan_code="month",
    )
    for _ in range(2):  # a redelivery says nothing twice
        await stack.js.publish(
            tenant_event("provisioned", tenant_id),
            encode(event),
            headers={MSG_ID_HEADER: f"tenant:{tenant_id}:provisioned:{uuid.uuid4().hex}"},
        )
    (message,) = await stack.telegram.wait_for_message(stack.sales_bot, buyer, timeout=10)
    assert message.text is not None
    assert f"Ваш бот @{bot.username} запущен!" in message.text
    assert message.buttons[0][0].url == f"https://t.me/{bot.username}"
    assert (
        await stack.pool.fetchval(
            "SELECT count(*) FROM notifier.deliveries "
            "WHERE tenant_id = $1 AND kind = 'provisioned'",
            tenant_id,
        )
        == 1
    )


async def test_a_deleted_tenant_leaves_nothing_in_the_delivery_log(stack: Stack) -> None:
    gone, kept = (await stack.tenant("gone"))[0], (await stack.tenant("kept"))[0]
    later = stack.now() + timedelta(days=5)
    for tenant_id in (gone, kept):
        for status in ("sent", "pending", "failed"):
            await stack.pool.execute(
                "INSERT INTO notifier.deliveries (dedup_key, tenant_id, via, chat_id, kind, "
                "text, due_at, status) VALUES ($1, $2, 'tenant', 80001, 'admin_created', "
                "'Клиент Анна, +79990000000', $3, $4)",
                f"{tenant_id}:{status}",
                tenant_id,
                later,
                status,
            )
        await stack.pool.execute(
            "INSERT INTO notifier.blocked_chats (tenant_id, via, chat_id) VALUES ($1, 'tenant', 9)",
            tenant_id,
        )

    await stack.js.publish(
        tenant_event("deleted", gone),
        encode(TenantDeleted(tenant_id=gone)),
        headers={MSG_ID_HEADER: f"tenant:{gone}:deleted"},
    )

    async def left(tenant_id: str) -> int:
        value: int = await stack.pool.fetchval(
            "SELECT (SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1) + "
            "(SELECT count(*) FROM notifier.blocked_chats WHERE tenant_id = $1)",
            tenant_id,
        )
        return value

    async with asyncio.timeout(15):
        while await left(gone):  # noqa: ASYNC110 - no event to wait on in SQL
            await asyncio.sleep(0.05)
    assert await left(kept) == 4
