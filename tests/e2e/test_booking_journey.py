"""Customers book for real: the whole stack through the Telegram emulator, with the stack's
controllable clock standing in for the days before a visit. The steps of a customer's journey
live here; `test_booking_rules.py` uses them for the cut-offs and tampered buttons.

Every test buys its own business and gives it the test catalog (`tests.support.catalog`:
«Стрижка», 60 min, one «Мастер» working Mon-Sat 10:00-20:00 with a break 14:00-15:00,
Moscow time; cut-offs 2 h; reminders 24 h and 2 h before).
The owner is the buyer, and presses /start in the new bot first so it may write to them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import pytest_asyncio

from devstack.demo import Endpoints, buy_business
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage
from shared.db import tenant_schema
from tests.conftest import RUN_ID
from tests.support.catalog import give_catalog_at
from tests.support.chat import ChatUser
from tests.support.clock import set_clock_offset

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

WAIT = 30.0  # generous: five services and the sandbox share a loaded machine
MOSCOW = ZoneInfo("Europe/Moscow")
MONTHS = "Январь Февраль Март Апрель Май Июнь Июль Август Сентябрь Октябрь Ноябрь Декабрь"
MONTHS_OF = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
PHONE = "+79123456789"

MoveClock = Callable[[datetime], Awaitable[None]]


@dataclass(frozen=True)
class Salon:
    bot: str
    tenant_id: str
    owner: ChatUser
    database_url: str

    async def rows(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            await conn.execute(f'SET search_path TO "{tenant_schema(self.tenant_id)}", public')
            rows: list[asyncpg.Record] = await conn.fetch(query, *args)
            return rows
        finally:
            await conn.close()

    async def bookings(self) -> list[asyncpg.Record]:
        return await self.rows(
            "SELECT id, customer_id, service_id, master_id, starts_at, status, cancelled_by"
            " FROM bookings ORDER BY id"
        )


@asynccontextmanager
async def controllable_clock(stack: Stack) -> AsyncIterator[MoveClock]:
    """Set every service's `now()` to about a moment; back to real time afterwards (the
    offset is shared by the whole e2e package)."""

    async def move(moment: datetime) -> None:
        await set_clock_offset(stack.config.nats_url, moment - datetime.now(UTC))

    try:
        yield move
    finally:
        await set_clock_offset(stack.config.nats_url, timedelta(0))


@pytest_asyncio.fixture(loop_scope="session")
async def move_clock(stack: Stack) -> AsyncIterator[MoveClock]:
    async with controllable_clock(stack) as move:
        yield move


async def open_salon(
    endpoints: Endpoints, telegram: TelegramSandboxClient, label: str, *, catalog: bool = True
) -> Salon:
    """A business bought through the real paid path, live, its owner started in its bot; with
    `catalog`, given the salon catalog (in the main database: a caller whose tenant may live on
    another server gives it one there itself)."""
    buyer = 10_000_000 + uuid.uuid4().int % 80_000_000
    bot = f"{label}_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot"
    await buy_business(
        endpoints, business_name="Салон «Журнал»", bot_username=bot, buyer_chat_id=buyer
    )
    await ChatUser(telegram, endpoints.sales_bot, user_id=buyer).expect(f"@{bot}", wait=WAIT)
    conn = await asyncpg.connect(endpoints.database_url)
    try:
        tenant_id = await conn.fetchval(
            "SELECT tenant_id FROM platform.tenants WHERE bot_username = $1", bot
        )
    finally:
        await conn.close()
    if catalog:
        await give_catalog_at(endpoints.database_url, tenant_id)
    owner = ChatUser(telegram, bot, user_id=buyer, first_name="Анна")
    await owner.send("/start")
    await owner.expect("Здравствуйте", wait=WAIT)
    return Salon(bot=bot, tenant_id=tenant_id, owner=owner, database_url=endpoints.database_url)


def visit_day(days_ahead: int = 2) -> date:
    """A working day (Mon-Sat) at least `days_ahead` days from today in Moscow."""
    day = datetime.now(MOSCOW).date() + timedelta(days=days_ahead)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def at(day: date, clock: str) -> datetime:
    """A Moscow wall-clock time of `day` as an instant."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=MOSCOW).astimezone(UTC)


def spelled(day: date) -> str:
    """How both the bot and the notifier write a date: `5 июня`."""
    return f"{day.day} {MONTHS_OF.split()[day.month - 1]}"


def minutes(instant: datetime) -> int:
    """Unix minutes, the time format of the booking buttons."""
    return int(instant.timestamp()) // 60


async def pick_day(customer: ChatUser, calendar: ChatMessage, day: date) -> None:
    """Turn the calendar to the day's month and press the day."""
    title = f"{MONTHS.split()[day.month - 1]} {day.year}"
    while calendar.buttons[0][0].text != title:
        await customer.press(calendar, "›")
        calendar = await customer.expect("Выберите день", wait=WAIT)
    assert str(day.day) in calendar.button_texts, f"{day} is not free: {calendar.button_texts}"
    await customer.press(calendar, str(day.day))


async def book(customer: ChatUser, day: date, clock: str) -> ChatMessage:
    """A new customer books «Стрижка» with «Мастер» through the buttons; the bot's «Готово»."""
    await customer.send("/start")
    await customer.press(await customer.expect("Здравствуйте", wait=WAIT), "Записаться")
    await customer.press(await customer.expect("Выберите услугу", wait=WAIT), "Стрижка")
    await customer.press(await customer.expect("Выберите мастера", wait=WAIT), "Мастер")
    await pick_day(customer, await customer.expect("Выберите день", wait=WAIT), day)
    await customer.press(await customer.expect("Выберите время", wait=WAIT), clock)
    await customer.expect("Как вас зовут", wait=WAIT)
    await customer.share_contact(PHONE)  # name and phone in one tap
    summary = await customer.expect("Проверьте, пожалуйста, запись", wait=WAIT)
    assert f"{spelled(day)}, {clock}" in (summary.text or "")
    assert customer.first_name in (summary.text or "")
    assert PHONE in (summary.text or "")
    await customer.press(summary, "Подтвердить")
    done = await customer.expect("Готово, вы записаны", wait=WAIT)
    assert f"{spelled(day)}, {clock}" in (done.text or "")
    return done


async def my_list(customer: ChatUser, *, says: str, tries: int = 10) -> ChatMessage:
    """«Мои записи» by /my, asked again until the list says `says`: the services follow a moved
    clock within moments, and a customer who sees an old answer simply asks again."""
    header = "нет предстоящих записей" if "нет предстоящих" in says else "Ваши записи"
    for _ in range(tries):
        await customer.send("/my")
        shown = await customer.expect(header, wait=WAIT)
        if says in (shown.text or ""):
            return shown
    raise AssertionError(f"«Мои записи» never said {says!r}: {shown.text!r}")


def assert_says(message: ChatMessage, *parts: str) -> None:
    text = message.text or ""
    missing = [part for part in parts if part not in text]
    assert not missing, f"{missing} not in {text!r}"


def reminders(messages: list[ChatMessage]) -> list[str]:
    return [m.text or "" for m in messages if m.from_bot and "Напоминаем" in (m.text or "")]


async def test_a_customer_books_is_reminded_once_and_cancels_from_the_reminder(
    endpoints: Endpoints, telegram: TelegramSandboxClient, move_clock: MoveClock
) -> None:
    salon = await open_salon(endpoints, telegram, "journey")
    customer = ChatUser(telegram, salon.bot, first_name="Мария")
    day = visit_day()
    visit = at(day, "12:00")

    done = await book(customer, day, "12:00")
    await customer.press(done, "Мои записи")
    mine = await customer.expect("Ваши записи", wait=WAIT)
    assert_says(mine, f"{spelled(day)}, 12:00", "Стрижка")
    told = await salon.owner.expect("Новая запись", wait=WAIT)
    assert_says(told, "12:00", "Стрижка", "Мария", PHONE)
    (booking,) = await salon.bookings()
    assert (booking["starts_at"], booking["status"]) == (visit, "confirmed")

    # A day before the visit the customer is reminded, with buttons to answer.
    await move_clock(visit - timedelta(hours=24) + timedelta(minutes=1))
    reminder = await customer.expect("Напоминаем", wait=WAIT)
    assert_says(reminder, "через 1 дн.", spelled(day), "12:00", "Стрижка")
    assert reminder.button_texts == ["Подтвердить", "Перенести", "Отменить"]

    # An hour later nothing new comes (the answer to /my is the barrier).
    await move_clock(visit - timedelta(hours=23))
    await my_list(customer, says="12:00")
    history = await telegram.chat(salon.bot, customer.id)
    assert len(reminders(history.messages)) == 1, reminders(history.messages)

    # «Отменить» under the reminder cancels at once; the owner hears of it.
    await customer.press(reminder, "Отменить")
    cancelled = await customer.expect("Запись отменена", wait=WAIT)
    assert_says(cancelled, "12:00")
    await my_list(customer, says="нет предстоящих записей")
    alert = await salon.owner.expect("Запись отменена", wait=WAIT)
    assert_says(alert, "клиентом", "Мария", "12:00")
    (booking,) = await salon.bookings()
    assert (booking["status"], booking["cancelled_by"]) == ("cancelled", "customer")

    # Past the 2-hour point: the 2-hour reminder never comes.
    await move_clock(visit - timedelta(minutes=110))
    await my_list(customer, says="нет предстоящих записей")
    history = await telegram.chat(salon.bot, customer.id)
    assert len(reminders(history.messages)) == 1, reminders(history.messages)
    conn = await asyncpg.connect(endpoints.database_url)
    try:
        schedule = await conn.fetch(
            "SELECT kind, status FROM notifier.deliveries"
            " WHERE tenant_id = $1 AND ref = $2 AND kind IN ('reminder', 'review')"
            " ORDER BY due_at",
            salon.tenant_id,
            str(booking["id"]),
        )
    finally:
        await conn.close()
    assert [tuple(row) for row in schedule] == [
        ("reminder", "sent"),
        ("reminder", "cancelled"),
        ("review", "cancelled"),
    ]
