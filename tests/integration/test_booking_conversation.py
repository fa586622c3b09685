"""The customer conversation end to end: the Telegram emulator as the customer, the booking
dispatcher fed with the updates it produces, real Postgres, Redis and NATS.

Time is a fixed clock (Monday 2 June 2031, 09:00 Moscow); the seed's master works
Mon-Sat 10:00-20:00 with a break 14:00-15:00, «Стрижка» is 60 minutes for 1 500 ₽.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import msgspec
import nats
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from redis.asyncio import Redis

from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage, SandboxBot
from sandbox.telegram.testing import running_sandbox
from services.booking.adapters import booking_repo
from services.booking.bot import build_dispatcher
from services.booking.context import BookingDeps, TenantContext
from services.booking.main import LOCALES
from shared.bus import MSG_ID_HEADER, Publisher, make_broker, open_bus
from shared.callbacks import ReminderAction, ReviewStars
from shared.db import tenant_tx
from shared.i18n import Catalog
from shared.messages import (
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    TenantConfig,
)
from shared.outbox import Relay
from shared.redis_keys import current_tenant
from shared.subjects import STREAM_BOOKING

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
OWNER = 700_000_001


def moscow(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 6, day, hour - 3, minute, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


@dataclass
class Shared:
    base_url: str
    client: TelegramSandboxClient
    redis: Redis
    publisher: Publisher
    nc: NatsClient
    texts: Catalog


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared_infra(infra, pg_pool) -> AsyncIterator[Shared]:
    async with (
        running_sandbox(flood_limits=False) as base_url,
        TelegramSandboxClient(base_url) as client,
    ):
        broker = make_broker(infra.nats_settings("booking"), "booking-test")
        await open_bus(broker)
        nc = await nats.connect(infra.nats_url)
        redis = Redis.from_url(infra.redis_url)
        # booking's outbox relay, as the service runs it
        relay = asyncio.create_task(Relay(pg_pool, Publisher(broker), stream=STREAM_BOOKING).run())
        try:
            yield Shared(
                base_url=base_url,
                client=client,
                redis=redis,
                publisher=Publisher(broker),
                nc=nc,
                texts=Catalog.load(LOCALES),
            )
        finally:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
            await redis.aclose()
            await nc.close()
            await broker.stop()


@dataclass
class Talk:
    """One tenant's bot, one customer, and what the bus carried for the tenant."""

    shared: Shared
    sandbox_bot: SandboxBot
    bot: Bot
    dispatcher: Dispatcher
    tenant: TenantContext
    deps: BookingDeps
    clock: FixedClock
    user: int
    events: list[Msg] = field(default_factory=list)
    offset: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    async def _feed(self) -> None:
        updates = await self.bot.get_updates(offset=self.offset, timeout=0)
        assert updates, "the emulator produced no update"
        for update in updates:
            self.offset = update.update_id + 1
            token = current_tenant.set(self.tenant_id)
            try:
                await self.dispatcher.feed_update(
                    self.bot, update, tenant=self.tenant, deps=self.deps
                )
            finally:
                current_tenant.reset(token)

    async def _changes(self, action) -> list[ChatMessage]:
        """Do a user action, run the bot on it; the bot's messages new or edited since."""
        before = (await self.shared.client.chat(self.sandbox_bot, self.user)).version
        await action
        await self._feed()
        view = await self.shared.client.chat(self.sandbox_bot, self.user)
        return [m for m in view.messages if m.from_bot and m.version > before]

    async def send(self, text: str, *, user: int | None = None, lang: str = "ru"):
        who = user or self.user
        action = self.shared.client.send_text(
            self.sandbox_bot, who, text, first_name="Ольга", language_code=lang
        )
        return await self._changes(action)

    async def press(self, message: ChatMessage | int, data: str, *, force: bool = False):
        message_id = message if isinstance(message, int) else message.message_id
        action = self.shared.client.press(
            self.sandbox_bot, self.user, message_id, data, force=force
        )
        return await self._changes(action)

    async def tap(self, message: ChatMessage, label: str) -> list[ChatMessage]:
        return await self.press(message, message.button(label).callback_data or "")

    async def share_contact(self, phone: str):
        action = self.shared.client.share_contact(
            self.sandbox_bot, self.user, phone, first_name="Ольга"
        )
        return await self._changes(action)

    async def last_answer(self) -> str | None:
        answers = await self.shared.client.callback_answers(self.sandbox_bot, chat_id=self.user)
        return answers[-1].text if answers else None

    async def keyboard(self):
        return (await self.shared.client.chat(self.sandbox_bot, self.user)).keyboard

    async def event(self, kind: str, timeout: float = 5.0) -> Msg:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for msg in self.events:
                        if msg.subject == f"booking.{kind}.{self.tenant_id}":
                            self.events.remove(msg)
                            return msg
                    self.arrived.clear()
                    await self.arrived.wait()
        except TimeoutError:
            raise AssertionError(f"no booking.{kind} event for {self.tenant_id}") from None

    async def stored(self, kind: str) -> int:
        """How many `booking.<kind>` events of this tenant the stream holds, once the relay
        has published every event this tenant's changes wrote to the outbox."""
        subject = f"booking.{kind}.{self.tenant_id}"
        async with asyncio.timeout(10):
            while await self.deps.pool.fetchval(  # noqa: ASYNC110 - no event to wait on in SQL
                "SELECT count(*) FROM outbox.events WHERE subject = $1 AND sent_at IS NULL",
                subject,
            ):
                await asyncio.sleep(0.02)
        info = await self.shared.nc.jetstream().stream_info(
            "BOOKING", subjects_filter=f"booking.{kind}.{self.tenant_id}"
        )
        return sum((info.state.subjects or {}).values())

    async def notify(self, text: str, markup: InlineKeyboardMarkup) -> ChatMessage:
        """A message as notifier would send it (a reminder, a review request)."""
        if not (await self.shared.client.chat(self.sandbox_bot, self.user)).messages:
            await self.send("/start")
        sent = await self.bot.send_message(self.user, text, reply_markup=markup)
        view = await self.shared.client.chat(self.sandbox_bot, self.user)
        return next(m for m in view.messages if m.message_id == sent.message_id)

    async def sql(self, query: str, *args):
        async with tenant_tx(self.deps.pool, self.tenant_id) as conn:
            return await conn.fetch(query, *args)


@pytest_asyncio.fixture(loop_scope="session")
async def talk(shared_infra: Shared, pg_pool, booking_pool, tenant_factory) -> AsyncIterator[Talk]:
    tenant_id = await tenant_factory(name="Салон Анна")
    async with tenant_tx(pg_pool, tenant_id) as conn:
        await conn.execute(
            "UPDATE business SET address = 'ул. Ленина, 1', phone = '+7 495 000-00-00'"
        )
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Анна', 'owner')",
            OWNER,
        )
    name = f"salon_{uuid.uuid4().hex[:10]}_bot"
    sandbox_bot = await shared_infra.client.create_bot(name, "Салон Анна")
    bot = Bot(
        sandbox_bot.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(shared_infra.base_url)),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    clock = FixedClock(NOW)
    deps = BookingDeps(  # booking's own NATS user and Postgres login, as deployed
        pool=booking_pool, publisher=shared_infra.publisher, clock=clock, texts=shared_infra.texts
    )
    config = TenantConfig(
        tenant_id=tenant_id,
        status="active",
        business_name="Салон Анна",
        bot_id=sandbox_bot.id,
        bot_username=name,
        bot_token_sealed="sealed",
        delivery="polling",
        timezone="Europe/Moscow",
        owner_chat_id=OWNER,
        paid_until=NOW + timedelta(days=30),
    )
    talk = Talk(
        shared=shared_infra,
        sandbox_bot=sandbox_bot,
        bot=bot,
        dispatcher=build_dispatcher(shared_infra.redis),
        tenant=TenantContext(tenant_id=tenant_id, config=config, update_id=0),
        deps=deps,
        clock=clock,
        user=int(uuid.uuid4().int % 10**9) + 10**9,
    )

    async def collect(msg: Msg) -> None:
        talk.events.append(msg)
        talk.arrived.set()

    subscription = await shared_infra.nc.subscribe(f"booking.*.{tenant_id}", cb=collect)
    try:
        yield talk
    finally:
        await subscription.unsubscribe()
        await bot.session.close()


def only(messages: list[ChatMessage]) -> ChatMessage:
    assert len(messages) == 1, [m.text for m in messages]
    return messages[0]


async def book_through_buttons(talk: Talk, *, day: int = 3, time: str = "10:00") -> ChatMessage:
    """From «Записаться» to the summary (or the contact question); returns the last screen."""
    menu = only(await talk.send("/book"))
    masters = only(await talk.tap(menu, "Стрижка"))
    calendar = only(await talk.tap(masters, "Любой мастер"))
    times = only(await talk.tap(calendar, str(day)))
    return (await talk.tap(times, time))[-1]


async def existing_booking(
    talk: Talk, starts_at: datetime, *, telegram_id: int | None = None, name: str = "Ольга"
) -> int:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        customer = await booking_repo.upsert_customer(
            conn, telegram_id=telegram_id or talk.user, name=name, phone="+79120000000"
        )
        service = await conn.fetchval("SELECT id FROM services WHERE name = 'Стрижка'")
        master = await conn.fetchval("SELECT id FROM masters LIMIT 1")
        booking = await booking_repo.create_booking(
            conn,
            customer_id=customer.id,
            service_id=service,
            master_id=master,
            starts_at=starts_at,
            actor="customer",
        )
    return booking.id


async def test_a_new_customer_books_through_the_buttons(talk: Talk) -> None:
    welcome = only(await talk.send("/start instagram"))
    assert "Салон Анна" in (welcome.text or "")
    assert welcome.button_texts == ["📅 Записаться", "🗂 Мои записи", "ℹ️ О нас"]

    services = only(await talk.tap(welcome, "Записаться"))
    assert services.message_id == welcome.message_id  # edited in place
    assert (services.text or "").startswith("Выберите услугу:\n\n• Стрижка — Стрижка и укладка")
    assert "Стрижка · 1\u00a0500 ₽ · 1 ч" in services.button_texts

    masters = only(await talk.tap(services, "Стрижка"))
    assert masters.button_texts == ["Мастер", "Любой мастер", "‹ Назад"]

    calendar = only(await talk.tap(masters, "Мастер"))
    assert calendar.button_texts[0] == "Июнь 2031"
    labels = calendar.button_texts
    assert "·1·" in labels  # Sunday 1 June: the past and closed
    assert "2" in labels
    assert "3" in labels
    assert "·8·" in labels
    assert "›" in labels
    assert "‹" not in labels

    await talk.press(calendar, calendar.button("·8·").callback_data or "")
    assert await talk.last_answer() == "На этот день нет свободного времени"

    times = only(await talk.tap(calendar, "3"))
    assert times.text == "Вт, 3 июня. Выберите время:"
    assert times.button_texts[:3] == ["10:00", "10:15", "10:30"]
    assert "14:00" not in times.button_texts
    assert "13:45" not in times.button_texts

    changed = await talk.tap(times, "10:00")
    intro, ask_name = changed
    assert intro.message_id == times.message_id
    assert "Осталось оставить имя и телефон" in (intro.text or "")
    assert ask_name.text == "Как вас зовут? Напишите имя или нажмите кнопку ниже."
    keyboard = await talk.keyboard()
    assert keyboard is not None
    assert [b.text for row in keyboard for b in row] == ["Ольга", "📱 Отправить номер"]
    assert keyboard[1][0].request_contact

    ask_phone = only(await talk.send("Ольга"))
    assert "оставьте, пожалуйста, номер телефона" in (ask_phone.text or "")
    thanks, summary = await talk.send("8 (912) 345-67-89")
    assert thanks.text == "Спасибо!"
    assert await talk.keyboard() is None  # the reply keyboard is gone
    assert summary.text == (
        "Проверьте, пожалуйста, запись:\n\n"
        "Услуга: Стрижка\nМастер: Мастер\nКогда: Вт, 3 июня, 10:00\nСтоимость: 1\u00a0500 ₽\n\n"
        "Имя: Ольга\nТелефон: +79123456789"
    )

    done = only(await talk.tap(summary, "Подтвердить"))
    assert done.message_id == summary.message_id
    assert (done.text or "").startswith("Готово, вы записаны!")
    assert "Когда: Вт, 3 июня, 10:00" in (done.text or "")

    (row,) = await talk.sql(
        "SELECT b.id, b.starts_at, b.status, c.name, c.phone, c.source, c.telegram_id"
        " FROM bookings b JOIN customers c ON c.id = b.customer_id"
    )
    assert row["starts_at"] == moscow(3, 10)
    assert (row["status"], row["name"], row["phone"], row["source"]) == (
        "confirmed",
        "Ольга",
        "+79123456789",
        "instagram",
    )
    msg = await talk.event("created")
    assert msg.headers[MSG_ID_HEADER] == f"booking:{talk.tenant_id}:{row['id']}:created"
    event = msgspec.json.decode(msg.data, type=BookingCreated)
    assert (event.booking_id, event.customer_chat_id, event.customer_phone) == (
        row["id"],
        talk.user,
        "+79123456789",
    )
    assert (event.service_name, event.master_name, event.starts_at) == (
        "Стрижка",
        "Мастер",
        moscow(3, 10),
    )
    assert event.ends_at == moscow(3, 11)
    assert (event.timezone, event.locale) == ("Europe/Moscow", "ru")
    assert event.reminder_offsets_min == (1440, 120)
    assert event.admin_chat_ids == (OWNER,)


async def test_a_returning_customer_skips_the_contact_step(talk: Talk) -> None:
    await existing_booking(talk, moscow(4, 12))
    summary = await book_through_buttons(talk, day=3, time="11:00")
    assert (summary.text or "").startswith("Проверьте, пожалуйста, запись:")
    assert "Телефон: +79120000000" in (summary.text or "")
    await talk.tap(summary, "Подтвердить")
    await talk.event("created")

    mine = only(await talk.send("/my"))
    text = mine.text or ""
    assert text.startswith("Ваши записи:")
    assert text.index("Вт, 3 июня, 11:00") < text.index("Ср, 4 июня, 12:00")
    assert mine.button_texts == [
        "❌ Отменить 1",
        "🔁 Перенести 1",
        "❌ Отменить 2",
        "🔁 Перенести 2",
        "🕓 Мой лист ожидания",
        "🏠 В меню",
    ]


async def test_about_lists_the_address_hours_and_prices(talk: Talk) -> None:
    about = only(await talk.send("/about"))
    text = about.text or ""
    assert "Адрес: ул. Ленина, 1" in text
    assert "Телефон: +7 495 000-00-00" in text
    assert "Пн–Сб: 10:00–20:00" in text
    assert "Вс: выходной" in text
    assert "• Стрижка — 1\u00a0500 ₽, 1 ч" in text
    assert "• Маникюр — 2\u00a0000 ₽, 1 ч 30 мин" in text


async def test_english_speakers_get_english(talk: Talk) -> None:
    welcome = only(await talk.send("/start", lang="en"))
    assert "booking bot of “Салон Анна”" in (welcome.text or "")
    assert welcome.button_texts == ["📅 Book", "🗂 My bookings", "ℹ️ About us"]


async def test_cancel_inside_the_window_and_refused_outside_it(talk: Talk) -> None:
    soon = await existing_booking(talk, moscow(2, 10, 30))  # 90 minutes away; cut-off is 120
    later = await existing_booking(talk, moscow(5, 12))
    mine = only(await talk.send("/my"))

    assert await talk.tap(mine, "Отменить 1") == []  # only an alert; the list stays
    assert "Отменить запись онлайн можно не позже чем за 2 ч до начала" in (
        await talk.last_answer() or ""
    )
    assert "+7 495 000-00-00" in (await talk.last_answer() or "")

    ask = only(await talk.tap(mine, "Отменить 2"))
    assert (ask.text or "").startswith("Отменить эту запись?")
    done = only(await talk.tap(ask, "Да, отменить"))
    assert (done.text or "").startswith("Запись отменена.")
    rows = {r["id"]: r["status"] for r in await talk.sql("SELECT id, status FROM bookings")}
    assert rows == {soon: "confirmed", later: "cancelled"}
    msg = await talk.event("cancelled")
    assert msg.headers[MSG_ID_HEADER] == f"booking:{talk.tenant_id}:{later}:cancelled"
    event = msgspec.json.decode(msg.data, type=BookingCancelled)
    assert (event.booking_id, event.cancelled_by, event.admin_chat_ids) == (
        later,
        "customer",
        (OWNER,),
    )


async def test_reschedule_inside_the_window_and_refused_outside_it(talk: Talk) -> None:
    soon = await existing_booking(talk, moscow(2, 10, 30))
    later = await existing_booking(talk, moscow(5, 12))
    mine = only(await talk.send("/my"))

    await talk.tap(mine, "Перенести 1")
    assert "Перенести запись онлайн можно не позже чем за 2 ч" in (await talk.last_answer() or "")

    calendar = only(await talk.tap(mine, "Перенести 2"))
    times = only(await talk.tap(calendar, "6"))
    assert "12:00" in times.button_texts  # its own time is free for itself
    ask = only(await talk.tap(times, "16:00"))
    assert "Новое время: Пт, 6 июня, 16:00" in (ask.text or "")
    moved = only(await talk.tap(ask, "Подтвердить"))
    assert "Когда: Пт, 6 июня, 16:00" in (moved.text or "")
    rows = {r["id"]: r["starts_at"] for r in await talk.sql("SELECT id, starts_at FROM bookings")}
    assert rows == {soon: moscow(2, 10, 30), later: moscow(6, 16)}
    msg = await talk.event("rescheduled")
    stamp = int(moscow(6, 16).timestamp())
    assert msg.headers[MSG_ID_HEADER] == f"booking:{talk.tenant_id}:{later}:rescheduled:{stamp}"
    event = msgspec.json.decode(msg.data, type=BookingRescheduled)
    assert (event.old_starts_at, event.starts_at, event.ends_at) == (
        moscow(5, 12),
        moscow(6, 16),
        moscow(6, 17),
    )


async def test_a_move_confirmed_again_is_recognised_not_run_again(talk: Talk) -> None:
    booking = await existing_booking(talk, moscow(5, 12))
    mine = only(await talk.send("/my"))
    calendar = only(await talk.tap(mine, "Перенести 1"))
    times = only(await talk.tap(calendar, "6"))
    ask = only(await talk.tap(times, "16:00"))
    confirm = ask.button("Подтвердить").callback_data or ""
    only(await talk.tap(ask, "Подтвердить"))
    # The same «Подтвердить» again (a redelivered update, a double tap), an hour before the
    # new time: inside the cut-off of the booking as it now stands.
    talk.clock.value = moscow(6, 15)
    await talk.press(ask, confirm, force=True)
    assert "не позже" not in (await talk.last_answer() or "")  # not refused by the cut-off
    view = await talk.shared.client.chat(talk.sandbox_bot, talk.user)
    shown = next(m for m in view.messages if m.message_id == ask.message_id)
    assert "Когда: Пт, 6 июня, 16:00" in (shown.text or "")  # the same answer as the first time
    assert await talk.stored("rescheduled") == 1
    event = msgspec.json.decode((await talk.event("rescheduled")).data, type=BookingRescheduled)
    assert (event.booking_id, event.old_starts_at, event.starts_at) == (
        booking,
        moscow(5, 12),
        moscow(6, 16),
    )


async def test_tampered_buttons_are_refused_politely(talk: Talk) -> None:
    others = await existing_booking(talk, moscow(4, 12), telegram_id=42, name="Чужой")
    menu = only(await talk.send("/book"))
    service = await talk.sql("SELECT id FROM services WHERE name = 'Стрижка'")
    sid = service[0]["id"]

    past = int(moscow(2, 8).timestamp()) // 60  # 08:00 today, before "now"
    screen = only(await talk.press(menu, f"bt:{sid}:0:0:{past}", force=True))
    assert await talk.last_answer() == "Это время уже прошло. Выберите, пожалуйста, другое."
    assert "10:00" in screen.button_texts  # fresh times of that day

    odd = int(moscow(3, 3, 17).timestamp()) // 60  # 03:17
    screen = only(await talk.press(menu, f"bt:{sid}:0:0:{odd}", force=True))
    assert "не работаем" in (await talk.last_answer() or "")
    assert (screen.text or "").endswith("Вт, 3 июня. Выберите время:")

    off_grid = int(moscow(3, 10, 7).timestamp()) // 60
    await talk.press(menu, f"bt:{sid}:0:0:{off_grid}", force=True)
    assert "Такого времени для записи нет" in (await talk.last_answer() or "")

    screen = only(await talk.press(menu, f"mb:sure:{others}", force=True))
    assert await talk.last_answer() == "Такой записи у вас нет. Вот ваши записи."
    assert screen.text == "У вас нет предстоящих записей."
    await talk.press(menu, ReminderAction(action="cancel", booking_id=others).pack(), force=True)
    assert await talk.last_answer() == "Такой записи у вас нет. Вот ваши записи."
    (status,) = await talk.sql("SELECT status FROM bookings WHERE id = $1", others)
    assert status["status"] == "confirmed"

    for garbage in ("zzz", "bt:1:2", "bs:99999999999", "bd:1:0:0:20310231", "mb:sure:-5"):
        await talk.press(menu, garbage, force=True)
        assert await talk.last_answer() == "Эта кнопка устарела. Вот актуальное меню."
        view = await talk.shared.client.chat(talk.sandbox_bot, talk.user)
        shown = next(m for m in view.messages if m.message_id == menu.message_id)
        assert shown.button_texts == ["📅 Записаться", "🗂 Мои записи", "ℹ️ О нас"]
    assert talk.events == []


async def test_the_active_bookings_limit_is_explained(talk: Talk) -> None:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute("UPDATE business SET max_active_bookings = 1")
    await existing_booking(talk, moscow(4, 12))
    welcome = only(await talk.send("/start"))
    screen = only(await talk.tap(welcome, "Записаться"))
    assert await talk.last_answer() == (
        "У вас уже 1 активных записей — это максимум. Отмените одну из них или дождитесь"
        " визита, чтобы записаться снова."
    )
    assert "Ср, 4 июня, 12:00" in (screen.text or "")


async def test_a_confirm_that_loses_the_race_gets_fresh_times(talk: Talk) -> None:
    await existing_booking(talk, moscow(6, 12))  # a known customer
    summary = await book_through_buttons(talk, day=3, time="10:00")
    await existing_booking(talk, moscow(3, 10), telegram_id=43, name="Быстрее")
    talk.events.clear()
    created_before = await talk.stored("created")

    screen = only(await talk.tap(summary, "Подтвердить"))
    assert await talk.last_answer() == "Это время только что заняли. Выберите, пожалуйста, другое."
    assert (screen.text or "").startswith("Это время только что заняли.")
    assert "10:00" not in screen.button_texts
    assert "11:00" in screen.button_texts
    rows = await talk.sql(
        "SELECT count(*) AS n FROM bookings b JOIN customers c ON c.id = b.customer_id"
        " WHERE c.telegram_id = $1",
        talk.user,
    )
    assert rows[0]["n"] == 1
    assert await talk.stored("created") == created_before


async def test_reminder_buttons_confirm_and_cancel(talk: Talk) -> None:
    first = await existing_booking(talk, moscow(3, 12))
    second = await existing_booking(talk, moscow(4, 12))

    def reminder(booking_id: int) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=label,
                        callback_data=ReminderAction(action=action, booking_id=booking_id).pack(),
                    )
                    for label, action in (
                        ("Приду", "ok"),
                        ("Перенести", "move"),
                        ("Отменить", "cancel"),
                    )
                ]
            ]
        )

    note = await talk.notify("Напоминание: завтра в 12:00", reminder(first))
    reply = only(await talk.tap(note, "Приду"))
    assert await talk.last_answer() == "Спасибо, ждём вас!"
    assert (reply.text or "").startswith("Спасибо, ждём вас!")
    (row,) = await talk.sql("SELECT attendance_confirmed_at FROM bookings WHERE id = $1", first)
    assert row["attendance_confirmed_at"] == NOW

    note = await talk.notify("Напоминание: в среду в 12:00", reminder(second))
    calendar = only(await talk.tap(note, "Перенести"))
    assert calendar.button_texts[0] == "Июнь 2031"
    reply = only(await talk.tap(note, "Отменить"))
    assert (reply.text or "").startswith("Запись отменена.")
    (row,) = await talk.sql("SELECT status, cancelled_by FROM bookings WHERE id = $1", second)
    assert (row["status"], row["cancelled_by"]) == ("cancelled", "customer")
    event = msgspec.json.decode((await talk.event("cancelled")).data, type=BookingCancelled)
    assert event.booking_id == second

    talk.clock.value = moscow(3, 11)  # one hour before the first: past the cut-off
    note = await talk.notify("Напоминание: через час", reminder(first))
    await talk.tap(note, "Отменить")
    assert "не позже чем за 2 ч" in (await talk.last_answer() or "")


async def test_a_review_with_stars_and_a_comment_once_only(talk: Talk) -> None:
    booking = await existing_booking(talk, moscow(3, 12))
    stars = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{n}⭐", callback_data=ReviewStars(booking_id=booking, stars=n).pack()
                )
                for n in range(1, 6)
            ]
        ]
    )
    request = await talk.notify("Как прошёл визит?", stars)
    await talk.tap(request, "5⭐")
    assert await talk.last_answer() == "Оценить визит можно после него."

    talk.clock.value = moscow(3, 15)
    ask = only(await talk.tap(request, "5⭐"))
    assert (ask.text or "").startswith("Спасибо за оценку ★★★★★!")
    assert ask.button_texts == ["Пропустить"]
    thanks = only(await talk.send("Всё отлично, спасибо!"))
    assert thanks.text == "Спасибо за отзыв!"
    (row,) = await talk.sql("SELECT stars, comment FROM reviews WHERE booking_id = $1", booking)
    assert (row["stars"], row["comment"]) == (5, "Всё отлично, спасибо!")

    await talk.press(request, ReviewStars(booking_id=booking, stars=1).pack(), force=True)
    assert await talk.last_answer() == "Вы уже оценили этот визит. Спасибо!"
    (row,) = await talk.sql("SELECT stars FROM reviews WHERE booking_id = $1", booking)
    assert row["stars"] == 5
