"""A person's updates through outages: the gateway (long polling) and booking as services on a
private NATS, real Postgres and Redis, the Telegram emulator as the customer.

- a redelivered button press answers its callback query again (Telegram says 400): that is
  done, not retried into the dead letters, and the change stays applied once;
- an update that cannot be handled within its age gets one polite "try again";
- a malformed update does not stop the bot being polled;
- after a NATS restart the gateway's watch of polled tenants is back within 2 s.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import nats
import pytest
import pytest_asyncio
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage, SandboxBot
from sandbox.telegram.testing import running_sandbox, serve_asgi
from services.booking.adapters import booking_repo
from services.booking.config import BookingSettings
from services.booking.main import create_app as booking_app
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app as gateway_app
from shared.bus import MSG_ID_HEADER, ensure_streams, tenants_bucket
from shared.callbacks import ReminderAction
from shared.crypto import Sealer
from shared.db import tenant_tx
from shared.messages import TenantConfig, encode
from shared.settings import Env, Secret, TelegramSettings
from shared.subjects import BOOKING_UPDATES, STREAM_DLQ, STREAM_TG, dead_letter, tg_update
from shared.telegram import Bots, make_session
from tests.conftest import TenantFactory
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_SECRET = secrets.token_urlsafe(48)
SEALER = Sealer(Secret(PLATFORM_SECRET))
MAX_AGE_SECONDS = 3
TRY_AGAIN = "Не получилось выполнить действие. Пожалуйста, попробуйте ещё раз."


@dataclass
class Stack:
    nats: LocalInfra
    nc: NatsClient
    telegram: TelegramSandboxClient
    telegram_url: str
    pool: asyncpg.Pool

    async def business(self, tenant_factory: TenantFactory) -> tuple[str, SandboxBot]:
        """A tenant with its own bot, polled by the gateway and served by booking."""
        tenant_id = await tenant_factory(name="Салон «Стойкость»")
        bot = await self.telegram.create_bot(f"steady_{uuid.uuid4().hex[:8]}_bot")
        config = TenantConfig(
            tenant_id=tenant_id,
            status="active",
            business_name="Салон «Стойкость»",
            bot_id=bot.id,
            bot_username=bot.username,
            bot_token_sealed=SEALER.seal(bot.token),
            delivery="polling",
            timezone="Europe/Moscow",
            owner_chat_id=1,
            paid_until=datetime.now(UTC) + timedelta(days=30),
        )
        await (await tenants_bucket(self.nc.jetstream())).put(tenant_id, encode(config))
        return tenant_id, bot

    async def say(self, bot: SandboxBot, user: int, text: str) -> list[ChatMessage]:
        before = await self.last_id(bot, user)
        await self.telegram.send_text(bot, user, text, first_name="Ольга", language_code="ru")
        return await self.telegram.wait_for_message(bot, user, after_message_id=before, timeout=15)

    async def last_id(self, bot: SandboxBot, user: int) -> int:
        """The id of the chat's newest message (0 for an empty chat)."""
        view = await self.telegram.chat(bot, user)
        return max((m.message_id for m in view.messages), default=0)

    async def stored(self, stream: str, subject: str) -> int:
        info = await self.nc.jetstream().stream_info(stream, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())

    async def handled_up_to(self, sequence: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            info = await self.nc.jetstream().consumer_info(STREAM_TG.name, BOOKING_UPDATES.durable)
            return (info.ack_floor.stream_seq or 0) >= sequence and not info.num_ack_pending

        return check


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(
    infra: LocalInfra, test_database_url: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Stack]:
    own = LocalInfra()
    own.start_nats()
    env = {
        "NATS_URL": own.nats_url,
        "PLATFORM_SECRET": PLATFORM_SECRET,
        "DATABASE_URL": test_database_url,
        "REDIS_URL": infra.redis_url,
        "GATEWAY_POLL_TIMEOUT": "1",
        "INTERACTIVE_RETRY_SECONDS": str(MAX_AGE_SECONDS),
    }
    try:
        nc = await nats.connect(own.nats_url)
        await ensure_streams(nc.jetstream())
        async with running_sandbox(flood_limits=False) as telegram_url:
            env["TELEGRAM_API_BASE"] = telegram_url
            async with (
                TelegramSandboxClient(telegram_url) as telegram,
                serve_asgi(lambda _url: gateway_app(GatewaySettings.load(Env(env)))),
                serve_asgi(lambda _url: booking_app(BookingSettings.load(Env(env)))),
            ):
                yield Stack(own, nc, telegram, telegram_url, pg_pool)
        await nc.close()
    finally:
        own.close()


async def reminder(stack: Stack, bot: SandboxBot, user: int, booking_id: int) -> ChatMessage:
    """A reminder with its buttons, as the notifier sends it."""
    bots = Bots(make_session(TelegramSettings(api_base=stack.telegram_url)))
    try:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text="Отменить",
                        callback_data=ReminderAction(action="cancel", booking_id=booking_id).pack(),
                    )
                ]
            ]
        )
        sent = await bots.get(Secret(bot.token)).send_message(
            user, "Напоминаем о записи завтра", reply_markup=markup
        )
    finally:
        await bots.close()
    view = await stack.telegram.chat(bot, user)
    return next(m for m in view.messages if m.message_id == sent.message_id)


async def test_a_redelivered_button_press_is_done_once_without_a_dead_letter(
    stack: Stack, tenant_factory: TenantFactory
) -> None:
    tenant_id, bot = await stack.business(tenant_factory)
    user = 10**9 + uuid.uuid4().int % 10**8
    await stack.say(bot, user, "/start")
    async with tenant_tx(stack.pool, tenant_id) as conn:
        customer = await booking_repo.upsert_customer(
            conn, telegram_id=user, name="Ольга", phone="+79120000000"
        )
        service = await conn.fetchval("SELECT id FROM services ORDER BY id LIMIT 1")
        master = await conn.fetchval("SELECT id FROM masters ORDER BY id LIMIT 1")
        made = await booking_repo.create_booking(
            conn,
            customer_id=customer.id,
            service_id=service,
            master_id=master,
            starts_at=(datetime.now(UTC) + timedelta(days=3)).replace(
                hour=9, minute=0, second=0, microsecond=0
            ),
            actor="customer",
        )
    note = await reminder(stack, bot, user, made.id)
    await stack.telegram.press(bot, user, note.message_id, note.buttons[0][0].callback_data or "")
    cancelled = await stack.telegram.wait_for_message(
        bot, user, after_message_id=note.message_id, timeout=15
    )
    assert any("отмен" in (m.text or "").lower() for m in cancelled), [m.text for m in cancelled]

    # The same update again, as JetStream redelivers it when an ack is lost.
    js = stack.nc.jetstream()
    pressed = await js.get_last_msg(STREAM_TG.name, tg_update(tenant_id))
    again = await js.publish(
        tg_update(tenant_id), pressed.data or b"", headers={MSG_ID_HEADER: uuid.uuid4().hex}
    )
    await until(await stack.handled_up_to(again.seq), 30, "the redelivery to be handled")

    assert await stack.stored(STREAM_DLQ.name, dead_letter("booking")) == 0
    assert await stack.stored("BOOKING", f"booking.cancelled.{tenant_id}") == 1
    # Handled at once, not retried until the person is asked to try again.
    view = await stack.telegram.chat(bot, user)
    assert TRY_AGAIN not in [m.text for m in view.messages], [m.text for m in view.messages]
    async with tenant_tx(stack.pool, tenant_id) as conn:
        status = await conn.fetchval("SELECT status FROM bookings WHERE id = $1", made.id)
    assert status == "cancelled"


async def test_an_update_that_cannot_be_handled_in_time_gets_one_try_again(
    stack: Stack, tenant_factory: TenantFactory
) -> None:
    tenant_id, bot = await stack.business(tenant_factory)
    user = 10**9 + uuid.uuid4().int % 10**8
    (welcome,) = await stack.say(bot, user, "/start")
    await stack.telegram.inject_fault(bot, "editMessageText")  # Telegram failing for minutes
    try:
        started = time.monotonic()
        data = welcome.button("Записаться").callback_data or ""
        await stack.telegram.press(bot, user, welcome.message_id, data)
        replies = await stack.telegram.wait_for_message(
            bot, user, after_message_id=welcome.message_id, timeout=MAX_AGE_SECONDS + 15
        )
        waited = time.monotonic() - started
    finally:
        await stack.telegram.clear_fault(bot, "editMessageText")
    assert [m.text for m in replies] == [TRY_AGAIN]
    assert waited >= MAX_AGE_SECONDS - 0.5  # retried while the person may still wait
    last = await stack.nc.jetstream().get_last_msg(STREAM_TG.name, tg_update(tenant_id))
    await until(await stack.handled_up_to(last.seq or 0), 10, "the update to be acked")
    assert await stack.stored(STREAM_DLQ.name, dead_letter("booking")) == 0
    view = await stack.telegram.chat(bot, user)
    assert [m.text for m in view.messages if m.from_bot].count(TRY_AGAIN) == 1


async def test_a_malformed_update_does_not_stop_the_bot_being_polled(
    stack: Stack, tenant_factory: TenantFactory
) -> None:
    _, bot = await stack.business(tenant_factory)
    user = 10**9 + uuid.uuid4().int % 10**8
    await stack.say(bot, user, "/start")
    await stack.telegram.malformed_update(bot)
    replies = await stack.say(bot, user, "/start")
    assert any("Стойкость" in (m.text or "") for m in replies)


async def test_polling_outlives_a_nats_outage_and_its_watch_is_back_within_two_seconds(
    stack: Stack, tenant_factory: TenantFactory
) -> None:
    _, polled = await stack.business(tenant_factory)
    customer = 10**9 + uuid.uuid4().int % 10**8
    await stack.say(polled, customer, "/start")
    answered = await stack.last_id(polled, customer)
    stack.nats.stop_nats()
    await stack.telegram.send_text(polled, customer, "/start", first_name="Ольга")
    stack.nats.restart_nats()
    back = time.monotonic()
    nc = await nats.connect(stack.nats.nats_url)
    try:
        tenant_id = await tenant_factory(name="Салон «После перезапуска»")
        bot = await stack.telegram.create_bot(f"after_{uuid.uuid4().hex[:8]}_bot")
        arrived: asyncio.Queue[Msg] = asyncio.Queue()
        await nc.subscribe(tg_update(tenant_id), cb=arrived.put)
        config = TenantConfig(
            tenant_id=tenant_id,
            status="active",
            business_name="Салон «После перезапуска»",
            bot_id=bot.id,
            bot_username=bot.username,
            bot_token_sealed=SEALER.seal(bot.token),
            delivery="polling",
            timezone="Europe/Moscow",
            owner_chat_id=1,
            paid_until=datetime.now(UTC) + timedelta(days=30),
        )
        await (await tenants_bucket(nc.jetstream())).put(tenant_id, encode(config))
        await stack.telegram.send_text(bot, 424242, "/start")
        await asyncio.wait_for(arrived.get(), timeout=10)
        assert time.monotonic() - back < 2.0
    finally:
        await nc.close()
    # What the customer wrote while NATS was down is answered once it is back.
    replies = await stack.telegram.wait_for_message(
        polled, customer, after_message_id=answered, timeout=30
    )
    assert any("Стойкость" in (m.text or "") for m in replies)
