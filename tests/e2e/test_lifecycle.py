"""A paid period runs out on the running stack, with its clock moved: the owner is warned 7, 3
and 1 days before, once each; the bot keeps answering through the grace period, then pauses
politely (the data stays); a renewal through the sales bot brings it back at once.

The clock offset is shared by every service and every tenant of the e2e package: each test
puts it back to zero when it ends and only expects things about its own tenant."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import nats
import pytest
import pytest_asyncio

from devstack.demo import Endpoints, buy_business
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import CallbackAnswerItem, ChatMessage
from sandbox.yookassa import YooKassaSandboxClient
from shared.bus import tenants_bucket
from shared.messages import TenantConfig, decode
from tests.conftest import RUN_ID
from tests.support.chat import ChatUser
from tests.support.clock import set_clock_offset

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
PAUSED = "временно приостановлена"  # what a suspended tenant's bot tells a customer
DIRECTORY_CACHE = 2.0  # seconds a service may keep an old directory entry (shared.tenants)


class TimeMachine:
    """Moves every service's clock so that "now" is a chosen instant."""

    def __init__(self, nats_url: str) -> None:
        self.nats_url = nats_url

    async def to(self, instant: datetime) -> None:
        await set_clock_offset(self.nats_url, instant - datetime.now(UTC))


@pytest_asyncio.fixture(loop_scope="session")
async def time_machine(stack: Stack) -> AsyncIterator[TimeMachine]:
    machine = TimeMachine(stack.config.nats_url)
    yield machine
    await set_clock_offset(stack.config.nats_url, timedelta(0))


async def registry_row(database_url: str, bot_username: str) -> asyncpg.Record:
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT tenant_id, status, paid_until, warned_days FROM platform.tenants"
            " WHERE bot_username = $1",
            bot_username,
        )
    finally:
        await conn.close()
    assert row is not None, f"no tenant for @{bot_username}"
    return row


async def directory_status(nats_url: str, tenant_id: str, status: str) -> None:
    """Wait (on the KV watch) until the tenant directory shows `status` for the tenant."""
    connection = await nats.connect(nats_url)
    try:
        watcher = await (await tenants_bucket(connection.jetstream())).watch(tenant_id)
        async with asyncio.timeout(15):
            async for entry in watcher:
                seen = decode(TenantConfig, entry.value) if entry and entry.value else None
                if seen is not None and seen.status == status:
                    return
    finally:
        await connection.close()


@dataclass(frozen=True)
class Business:
    name: str
    bot: str
    owner: ChatUser  # the owner (and buyer) in the sales bot


async def buy(endpoints: Endpoints, telegram: TelegramSandboxClient, label: str) -> Business:
    """A paid one-month business whose owner has been told it is live."""
    buyer = 10_000_000 + uuid.uuid4().int % 80_000_000
    name, bot = f"Салон «{label}»", f"{label}_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot"
    await buy_business(endpoints, business_name=name, bot_username=bot, buyer_chat_id=buyer)
    owner = ChatUser(telegram, endpoints.sales_bot, user_id=buyer)
    live = await owner.expect(f"@{bot}", wait=30)
    assert "запущен" in (live.text or "")
    return Business(name=name, bot=bot, owner=owner)


async def customer_reply(
    telegram: TelegramSandboxClient, bot: str, user_id: int | None = None
) -> ChatMessage:
    """The bot's answer to /start from a new customer (or from `user_id`)."""
    customer = ChatUser(telegram, bot, user_id=user_id, first_name="Мария")
    await customer.send("/start")
    return await customer.expect("")


async def answers_within(
    telegram: TelegramSandboxClient, bot: str, fragment: str, seconds: float = DIRECTORY_CACHE + 3
) -> ChatMessage:
    """A new customer's /start gets a reply with `fragment` within `seconds` (the directory's
    cache may serve the previous status for a moment)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        reply = await customer_reply(telegram, bot)
        if fragment in (reply.text or "") or loop.time() > deadline:
            assert fragment in (reply.text or ""), reply.text
            return reply


async def alert(
    telegram: TelegramSandboxClient, customer: ChatUser, fragment: str
) -> CallbackAnswerItem:
    """The callback answer the customer's press got, once one contains `fragment`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        answers = await telegram.callback_answers(customer.bot, customer.id)
        found = [a for a in answers if fragment in (a.text or "")]
        if found:
            return found[-1]
        if loop.time() > deadline:
            raise TimeoutError(f"no callback answer with {fragment!r}: {answers}")
        with contextlib.suppress(TimeoutError):  # paced by the emulator's long poll
            await telegram.wait_for_message(customer.bot, customer.id, customer.seen_id, 0.5)


async def sales_notes(telegram: TelegramSandboxClient, business: Business) -> list[str]:
    """What the owner was told about this bot in the sales bot, oldest first, in short:
    `live`, `7 days` (an expiry warning), `paused`, `renewed`, `back` (the sales bot's own
    screens that name the bot, such as the renewal plans, are left out)."""
    history = await telegram.chat(business.owner.bot, business.owner.id)
    texts = [m.text or "" for m in history.messages if m.from_bot]
    texts = [text for text in texts if f"@{business.bot}" in text]
    return [short for short in map(_short, texts) if short]


def _short(note: str) -> str | None:
    if note.startswith("⚠️ Через "):
        return note.removeprefix("⚠️ Через ").split(" дн.")[0] + " days"
    for fragment, short in (
        ("запущен", "live"),
        ("остановлен", "paused"),
        ("снова работает", "back"),
        ("оплачен до", "renewed"),
    ):
        if fragment in note:
            return short
    return None


async def pay_renewal(
    owner: ChatUser, screen: ChatMessage, yookassa: YooKassaSandboxClient
) -> None:
    """From the screen with the renewal plans: pick one month and pay it in the emulator."""
    await owner.press(screen, "1 месяц")
    invoice = await owner.expect("Счёт готов")
    url = invoice.button("Оплатить").url
    assert url is not None
    paid = await yookassa.pay(url.rstrip("/").rsplit("/", 1)[-1])
    assert paid.notification_status == 200


async def test_an_unpaid_bot_is_warned_then_paused_and_keeps_its_data(
    endpoints: Endpoints, telegram: TelegramSandboxClient, time_machine: TimeMachine
) -> None:
    shop = await buy(endpoints, telegram, "warned")
    owner, bot = shop.owner, shop.bot
    row = await registry_row(endpoints.database_url, bot)
    tenant_id, paid_until = row["tenant_id"], row["paid_until"]
    customer = ChatUser(telegram, bot, first_name="Мария")
    await customer.send("/start")
    greeting = await customer.expect(shop.name)
    assert greeting.buttons

    for days, again in ((7, 4 * DAY), (3, 2 * DAY), (1, 2 * HOUR)):
        await time_machine.to(paid_until - days * DAY + HOUR)
        warning = await owner.expect(f"Через {days} дн.")
        assert f"@{bot}" in (warning.text or "")
        assert warning.button_texts == ["Продлить"]
        # Later within the same window: the bot still works, and nothing new is sent.
        await time_machine.to(paid_until - again)
        assert shop.name in ((await customer_reply(telegram, bot)).text or "")

    await time_machine.to(paid_until + HOUR)
    await directory_status(time_machine.nats_url, tenant_id, "grace")
    assert (await registry_row(endpoints.database_url, bot))["status"] == "grace"
    assert shop.name in ((await customer_reply(telegram, bot)).text or "")

    await time_machine.to(paid_until + 3 * DAY + HOUR)
    stopped = await owner.expect("остановлен")
    assert f"@{bot}" in (stopped.text or "")
    assert (await registry_row(endpoints.database_url, bot))["status"] == "suspended"
    paused = await answers_within(telegram, bot, PAUSED)
    assert shop.name in (paused.text or "")
    assert not paused.buttons
    await customer.press(greeting, greeting.buttons[0][0].text)
    pressed = await alert(telegram, customer, PAUSED)
    assert pressed.show_alert
    told_owner = await customer_reply(telegram, bot, owner.id)
    assert "Продлите подписку" in (told_owner.text or "")

    # Nothing was destroyed: the schema and its rows are all there.
    conn = await asyncpg.connect(endpoints.database_url)
    try:
        name = await conn.fetchval(f'SELECT name FROM "t_{tenant_id}".business')
        owners = await conn.fetchval(
            f"SELECT count(*) FROM \"t_{tenant_id}\".staff_members WHERE role = 'owner'"
        )
    finally:
        await conn.close()
    assert (name, owners) == (shop.name, 1)

    # Each warning once, nothing when the grace began, one word of the pause.
    assert await sales_notes(telegram, shop) == ["live", "7 days", "3 days", "1 days", "paused"]


async def test_renewing_a_paused_bot_brings_it_back_at_once(
    endpoints: Endpoints,
    telegram: TelegramSandboxClient,
    yookassa: YooKassaSandboxClient,
    time_machine: TimeMachine,
) -> None:
    shop = await buy(endpoints, telegram, "paused")
    owner, bot = shop.owner, shop.bot
    paid_until = (await registry_row(endpoints.database_url, bot))["paid_until"]
    paused_at = paid_until + 3 * DAY + HOUR
    await time_machine.to(paused_at)
    await owner.expect("остановлен")
    await answers_within(telegram, bot, PAUSED)

    await owner.send("/start")
    menu = await owner.expect("онлайн-запис")
    await owner.press(menu, "🔄 Продлить")
    plans = await owner.expect("Продление бота")
    await pay_renewal(owner, plans, yookassa)
    back = await owner.expect("снова работает", wait=30)
    assert f"@{bot}" in (back.text or "")

    row = await registry_row(endpoints.database_url, bot)
    assert row["status"] == "active"
    # A month from the day of payment, not from the old expiry (already past).
    assert abs(row["paid_until"] - (paused_at + 30 * DAY)) < timedelta(minutes=2)
    greeting = await answers_within(telegram, bot, shop.name)
    assert greeting.buttons
    assert await sales_notes(telegram, shop) == ["live", "paused", "back"]


async def test_renewing_before_expiry_adds_to_the_paid_period(
    endpoints: Endpoints,
    telegram: TelegramSandboxClient,
    yookassa: YooKassaSandboxClient,
    time_machine: TimeMachine,
) -> None:
    shop = await buy(endpoints, telegram, "early")
    owner, bot = shop.owner, shop.bot
    paid_until = (await registry_row(endpoints.database_url, bot))["paid_until"]
    await time_machine.to(paid_until - 7 * DAY + HOUR)
    warning = await owner.expect("Через 7 дн.")
    await owner.press(warning, "Продлить")
    plans = await owner.expect("Продление бота")
    await pay_renewal(owner, plans, yookassa)
    renewed = await owner.expect("оплачен до", wait=30)
    assert f"@{bot}" in (renewed.text or "")

    row = await registry_row(endpoints.database_url, bot)
    assert (row["status"], row["paid_until"]) == ("active", paid_until + 30 * DAY)
    assert row["warned_days"] == []  # the new period will be announced afresh
    # The old expiry passes unnoticed (the bot answers as usual); the next warning is about
    # the new one, and nothing about the old period was sent in between.
    await time_machine.to(paid_until + 3 * DAY + HOUR)
    assert shop.name in ((await customer_reply(telegram, bot)).text or "")
    await time_machine.to(row["paid_until"] - 7 * DAY + HOUR)
    await owner.expect("Через 7 дн.")
    assert await sales_notes(telegram, shop) == ["live", "7 days", "renewed", "7 days"]
    assert (await registry_row(endpoints.database_url, bot))["status"] == "active"
