"""The chaos run's steady load: whole booking conversations and paid signups, as users do them.

Customers book in the tenants' bots through the Telegram emulator (the same nine steps as
`bench.booking`, real callback data from the bot's own buttons); buyers sign up in the sales
bot, pay in the YooKassa emulator and wait to be told their bot is live. Each step waits for
the bot's answer up to `step_timeout`; a conversation that gets no answer stops there (its last
action stays unanswered in the journal, and the invariants look again at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from bench.chaos.journal import BOOKED, Action, Booking, Journal, Signup
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.client import SandboxClientError
from sandbox.telegram.models import ChatMessage
from sandbox.yookassa import YooKassaSandboxClient
from sandbox.yookassa.client import SandboxRequestError

logger = logging.getLogger(__name__)

Predicate = Callable[[ChatMessage], bool]


def has_button(prefix: str) -> Predicate:
    return lambda m: any(
        (b.callback_data or "").startswith(prefix) for row in m.buttons for b in row
    )


def says(fragment: str) -> Predicate:
    return lambda m: fragment in (m.text or "")


class Stalled(Exception):
    """The bot did not answer a step in time; the conversation ends there."""


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    bot: str


class Chat:
    """One user in one bot's chat; every action goes into the journal."""

    def __init__(
        self, telegram: TelegramSandboxClient, journal: Journal, bot: str, user_id: int
    ) -> None:
        self.telegram = telegram
        self.journal = journal
        self.bot = bot
        self.id = user_id
        self.seen_id = 0
        self.seen_version = 0

    async def step(
        self, label: str, act: Callable[[], Awaitable[object]], until: Predicate, timeout: float
    ) -> ChatMessage:
        action = Action(
            bot=self.bot,
            chat_id=self.id,
            label=label,
            at=time.time(),
            seen_id=self.seen_id,
            seen_version=self.seen_version,
        )
        self.journal.actions.append(action)
        try:
            await act()
        except (httpx.HTTPError, SandboxClientError) as error:
            action.error = f"{type(error).__name__}: {error}"
            raise Stalled(label) from error
        return await self.wait(until, timeout, action)

    async def wait(
        self, until: Predicate, timeout: float, action: Action | None = None
    ) -> ChatMessage:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                found = await self.telegram.wait_for_message(
                    self.bot, self.id, self.seen_id, min(left, 20), after_version=self.seen_version
                )
            except TimeoutError:
                continue
            if action is not None:
                action.answered = True
            self.seen_id = max([self.seen_id, *(m.message_id for m in found)])
            self.seen_version = max([self.seen_version, *(m.version for m in found)])
            hits = [m for m in found if until(m)]
            if hits:
                return hits[-1]
        raise Stalled(action.label if action else "wait")

    def press(self, message: ChatMessage, data: str) -> Callable[[], Awaitable[object]]:
        return lambda: self.telegram.press(self.bot, self.id, message.message_id, data)

    def press_text(self, message: ChatMessage, text: str) -> Callable[[], Awaitable[object]]:
        try:
            data = message.button(text).callback_data or ""
        except KeyError as missing:
            raise Stalled(f"no {text!r} button") from missing
        return self.press(message, data)

    def send(self, text: str, **kwargs: str) -> Callable[[], Awaitable[object]]:
        return lambda: self.telegram.send_text(self.bot, self.id, text, **kwargs)


def choose(message: ChatMessage, prefix: str) -> str:
    """A random free button of this kind (calendar days shown as `·8·` have no free time)."""
    choices = [
        b.callback_data
        for row in message.buttons
        for b in row
        if b.callback_data and b.callback_data.startswith(prefix) and not b.text.startswith("·")
    ]
    if not choices:
        raise Stalled(f"no {prefix} button")
    return random.choice(choices)


def choose_day(message: ChatMessage) -> str:
    """A free day at least two days ahead when there is one, so both reminders are due later
    than the booking; the day is the last field of `bd:` data (YYYYMMDD)."""
    data = choose(message, "bd:")
    soon = datetime.now(UTC).date() + timedelta(days=2)
    later = [
        b.callback_data
        for row in message.buttons
        for b in row
        if b.callback_data
        and b.callback_data.startswith("bd:")
        and not b.text.startswith("·")
        and int(b.callback_data.rsplit(":", 1)[-1]) >= int(soon.strftime("%Y%m%d"))
    ]
    return random.choice(later) if later else data


async def book(chat: Chat, booking: Booking, timeout: float) -> None:
    """The nine steps of a booking; `booking.ended` says how it went."""
    menu = await chat.step("/start", chat.send("/start"), has_button("menu:book"), timeout)
    services = await chat.step(
        "Записаться", chat.press(menu, choose(menu, "menu:book")), has_button("bs:"), timeout
    )
    masters = await chat.step(
        "service", chat.press(services, choose(services, "bs:")), has_button("bm:"), timeout
    )
    month = await chat.step(
        "master", chat.press(masters, choose(masters, "bm:")), has_button("bd:"), timeout
    )
    times = await chat.step("day", chat.press(month, choose_day(month)), has_button("bt:"), timeout)
    await chat.step("time", chat.press(times, choose(times, "bt:")), says("зовут"), timeout)
    await chat.step("name", chat.send(f"Гость {chat.id}"), says("телефон"), timeout)
    summary = await chat.step(
        "contact",
        lambda: chat.telegram.share_contact(chat.bot, chat.id, booking.phone),
        has_button("bk:"),
        timeout,
    )
    done = await chat.step(
        "Подтвердить",
        chat.press(summary, choose(summary, "bk:")),
        lambda m: not has_button("bk:")(m),
        timeout,
    )
    booking.told_booked = BOOKED in (done.text or "")
    booking.ended = "booked" if booking.told_booked else "refused"


async def sign_up(
    chat: Chat,
    signup: Signup,
    yookassa: YooKassaSandboxClient,
    *,
    label: str,
    timeout: float,
    live_timeout: float,
) -> None:
    """The sales bot's paid path: name, city, the bot's token, owner, plan, pay, «запущен»."""
    menu = await chat.step("/start", chat.send("/start"), says("онлайн-запис"), timeout)
    await chat.step(
        "Подключить", chat.press_text(menu, "🚀 Подключить бота"), says("Как называется"), timeout
    )
    zones = await chat.step("name", chat.send(f"Салон {label}"), says("В каком городе"), timeout)
    await chat.step("city", chat.press_text(zones, "Москва"), says("@BotFather"), timeout)
    bot = await chat.telegram.create_bot(f"{label}_bot", f"Салон {label}")
    signup.bot_username = bot.username
    owner = await chat.step("token", chat.send(bot.token), says(f"@{bot.username}"), timeout)
    plans = await chat.step(
        "Да, я", chat.press_text(owner, "Да, я"), says("Осталось выбрать тариф"), timeout
    )
    invoice = await chat.step(
        "plan", chat.press_text(plans, "1 месяц"), says("Счёт готов"), timeout
    )
    pay_url = invoice.button("Оплатить").url or ""
    signup.payment_id = pay_url.rstrip("/").rsplit("/", 1)[-1]
    try:
        paid = await yookassa.pay(signup.payment_id)
    except (httpx.HTTPError, SandboxRequestError) as error:
        signup.ended = f"pay failed: {type(error).__name__}"
        return
    signup.notification_status = paid.notification_status
    await chat.wait(says("запущен"), live_timeout)
    signup.told_live = True
    signup.ended = "live"


@dataclass
class LoadPlan:
    customers: int  # concurrent booking conversations
    signup_pause: float  # seconds between two signups (one buyer at a time)
    step_timeout: float
    live_timeout: float


class Load:
    """Runs the conversations until `stop` is set, then lets the ones under way finish."""

    def __init__(
        self,
        *,
        telegram: TelegramSandboxClient,
        yookassa: YooKassaSandboxClient,
        tenants: list[Tenant],
        sales_bot: str,
        plan: LoadPlan,
        journal: Journal,
    ) -> None:
        self.telegram = telegram
        self.yookassa = yookassa
        self.tenants = tenants
        self.sales_bot = sales_bot
        self.plan = plan
        self.journal = journal
        self.stop = asyncio.Event()
        base = 60_000_000 + random.randint(0, 10**6) * 100
        self._ids = itertools.count(base)
        self._run = uuid.uuid4().hex[:4]

    async def run(self) -> None:
        loops = [self._customers() for _ in range(self.plan.customers)]
        await asyncio.gather(*loops, self._signups())

    async def _customers(self) -> None:
        while not self.stop.is_set():
            tenant = random.choice(self.tenants)
            user = next(self._ids)
            booking = Booking(
                bot=tenant.bot,
                tenant_id=tenant.tenant_id,
                chat_id=user,
                phone=f"+7900{user % 10_000_000:07d}",
            )
            self.journal.bookings.append(booking)
            chat = Chat(self.telegram, self.journal, tenant.bot, user)
            try:
                await book(chat, booking, self.plan.step_timeout)
            except Stalled as stalled:
                booking.ended = f"stalled at {stalled}"

    async def _signups(self) -> None:
        for number in itertools.count(1):
            if self.stop.is_set():
                return
            buyer = next(self._ids)
            signup = Signup(buyer_chat_id=buyer)
            self.journal.signups.append(signup)
            chat = Chat(self.telegram, self.journal, self.sales_bot, buyer)
            try:
                await sign_up(
                    chat,
                    signup,
                    self.yookassa,
                    label=f"chaos{self._run}n{number}",
                    timeout=self.plan.step_timeout,
                    live_timeout=self.plan.live_timeout,
                )
            except Stalled as stalled:
                signup.ended = f"stalled at {stalled}"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.plan.signup_pause)
