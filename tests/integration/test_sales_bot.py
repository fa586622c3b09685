"""The sales bot end to end: a person talks to it through the Telegram emulator, pays in the
YooKassa emulator; billing runs as its app (`create_app` under uvicorn) on real NATS, Postgres
and Redis. A stand-in for the gateway long-polls the emulator and publishes each update of the
sales bot to `tg.platform.sales`, as the real gateway does.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import asyncpg
import httpx
import msgspec
import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client as Nats
from nats.aio.subscription import Subscription

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage, SandboxBot
from sandbox.telegram.testing import running_sandbox as running_telegram
from sandbox.telegram.testing import serve_asgi
from sandbox.yookassa.client import YooKassaSandboxClient
from sandbox.yookassa.objects import Payment
from sandbox.yookassa.testing import running_sandbox as running_yookassa
from services.billing.config import BillingSettings
from services.billing.main import create_app
from shared.crypto import Sealer
from shared.messages import PaymentSucceeded, TenantProvisioned, TrialStarted, decode, encode
from shared.settings import Env, Secret
from shared.subjects import PAYMENT_SUCCEEDED, TG_SALES_UPDATE, TRIAL_STARTED, tenant_event

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_SECRET = secrets.token_urlsafe(48)  # a fresh random key per run
SHOP_ID, SHOP_SECRET = "510001", "test_sales_bot_secret_key_123456"
RUN = uuid.uuid4().hex[:6]
T = TypeVar("T")
WAIT = 15.0


@dataclass
class Stack:
    tg: TelegramSandboxClient
    yk: YooKassaSandboxClient
    sales: SandboxBot
    nc: Nats
    pool: asyncpg.Pool
    tg_url: str


async def relay_updates(tg_url: str, token: str, nc: Nats) -> None:
    """The gateway's part: the sales bot's updates from getUpdates onto the bus."""
    js = nc.jetstream()
    offset = 0
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=40.0)) as http:
        while True:
            answer = await http.post(
                f"{tg_url}/bot{token}/getUpdates", json={"offset": offset, "timeout": 0.5}
            )
            for update in answer.json()["result"]:
                offset = update["update_id"] + 1
                await js.publish(
                    TG_SALES_UPDATE,
                    msgspec.json.encode(update),
                    headers={"Nats-Msg-Id": f"sales:{RUN}:{update['update_id']}"},
                )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(
    infra: LocalInfra, login_urls: dict[str, str], pg_pool: asyncpg.Pool
) -> AsyncIterator[Stack]:
    async with contextlib.AsyncExitStack() as exits:
        tg_url = await exits.enter_async_context(running_telegram(flood_limits=False))
        tg = await exits.enter_async_context(TelegramSandboxClient(tg_url))
        sales = await tg.create_bot(f"sales_{RUN}_bot", "Платформа")
        yk_url = await exits.enter_async_context(running_yookassa({SHOP_ID: SHOP_SECRET}))
        yk = await exits.enter_async_context(YooKassaSandboxClient(yk_url))
        settings = BillingSettings.load(
            Env(
                {
                    **infra.nats_env("billing"),  # billing's own NATS user and login
                    "DATABASE_URL": login_urls["billing"],
                    "REDIS_URL": infra.redis_url,
                    "TELEGRAM_API_BASE": tg_url,
                    "PLATFORM_SECRET": PLATFORM_SECRET,
                    "YOOKASSA_SHOP_ID": SHOP_ID,
                    "YOOKASSA_SECRET_KEY": SHOP_SECRET,
                    "YOOKASSA_API_URL": f"{yk_url}/v3",
                    "SALES_BOT_TOKEN": sales.token,
                    "LOG_FORMAT": "text",
                }
            )
        )
        await exits.enter_async_context(serve_asgi(lambda _: create_app(settings)))
        nc = await nats.connect(infra.nats_url)
        exits.push_async_callback(nc.close)
        relay = asyncio.create_task(relay_updates(tg_url, sales.token, nc))

        async def stop_relay() -> None:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay

        exits.push_async_callback(stop_relay)
        yield Stack(tg=tg, yk=yk, sales=sales, nc=nc, pool=pg_pool, tg_url=tg_url)


class Person:
    """A Telegram user in the sales bot's chat: sends, presses, waits for what the bot shows."""

    def __init__(self, stack: Stack, language: str | None = None) -> None:
        self.stack = stack
        self.id = random.randint(10**9, 2 * 10**9)
        self.language = language
        self.seen_id = 0
        self.seen_version = 0

    async def send(self, text: str) -> None:
        await self.stack.tg.send_text(
            self.stack.sales, self.id, text, first_name="Анна", language_code=self.language
        )

    async def press(self, message: ChatMessage, button: str) -> None:
        data = message.button(button).callback_data
        assert data is not None
        await self.stack.tg.press(self.stack.sales, self.id, message.message_id, data)

    async def press_data(self, message: ChatMessage, data: str) -> None:
        """A crafted button press (a client can send any callback data)."""
        await self.stack.tg.press(self.stack.sales, self.id, message.message_id, data, force=True)

    async def expect(self, fragment: str) -> ChatMessage:
        """The bot's next new or edited message containing `fragment` (TimeoutError if none)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while True:
            found = await self.stack.tg.wait_for_message(
                self.stack.sales,
                self.id,
                after_message_id=self.seen_id,
                after_version=self.seen_version,
                timeout=max(deadline - loop.time(), 0.1),
            )
            self.seen_id = max([self.seen_id, *(m.message_id for m in found)])
            self.seen_version = max([self.seen_version, *(m.version for m in found)])
            matching = [m for m in found if fragment in (m.text or "")]
            if matching:
                return matching[-1]
            if loop.time() > deadline:
                raise TimeoutError(f"no bot message with {fragment!r}; got {found}")

    async def alert(self, fragment: str) -> str:
        """The text of the latest callback answer, once one contains `fragment`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while True:
            answers = await self.stack.tg.callback_answers(self.stack.sales, self.id)
            texts = [a.text or "" for a in answers if fragment in (a.text or "")]
            if texts:
                return texts[-1]
            # The answer comes with the edit or message of the same step; wait for the chat.
            if loop.time() > deadline:
                raise TimeoutError(f"no callback answer with {fragment!r}")
            await self.stack.tg.chat(self.stack.sales, self.id)
            with contextlib.suppress(TimeoutError):
                await self.stack.tg.wait_for_message(
                    self.stack.sales,
                    self.id,
                    after_message_id=self.seen_id,
                    after_version=self.seen_version,
                    timeout=0.5,
                )

    async def signup_until_token(self, *, name: str = "Салон Анна", trial: bool = False) -> None:
        await self.send("/start")
        menu = await self.expect("онлайн-запис")
        await self.press(menu, "Попробовать" if trial else "Подключить бота")
        await self.expect("Как называется")
        await self.send(name)
        zones = await self.expect("В каком городе")
        await self.press(zones, "Москва")
        await self.expect("BotFather")


async def subscribe(stack: Stack, subject: str) -> Subscription:
    return await stack.nc.subscribe(subject)


async def next_event(sub: Subscription, kind: type[T], match: str) -> T:
    """The next event on `sub` whose payload mentions `match` (other tests' events skipped)."""
    async with asyncio.timeout(WAIT):
        while True:
            msg = await sub.next_msg(timeout=WAIT)
            if match.encode() in msg.data:
                return decode(kind, msg.data)


def metadata(payment: Payment) -> dict[str, str]:
    """Billing's metadata of a payment (the SDK adds its own `cms_name`)."""
    return {k: v for k, v in payment.metadata.items() if k != "cms_name"}


async def salon_bot(stack: Stack, name: str) -> SandboxBot:
    return await stack.tg.create_bot(f"{name}_{RUN}_{random.randint(0, 10**6)}_bot")


async def test_a_business_signs_up_pays_and_its_payment_reaches_the_bus(stack: Stack) -> None:
    anna = Person(stack)
    await anna.send("/start")
    menu = await anna.expect("онлайн-запис")
    assert "Подключить бота" in " ".join(menu.button_texts)
    assert "Попробовать 7 дней бесплатно" in " ".join(menu.button_texts)
    assert not any("Продлить" in b for b in menu.button_texts)

    await anna.press(menu, "Тарифы")
    plans = await anna.expect("Тарифы")
    for price in ("299 ₽", "799 ₽", "1\u00a0499 ₽", "2\u00a0499 ₽"):
        assert price in (plans.text or "")
    await anna.press(plans, "Назад")
    menu = await anna.expect("онлайн-запис")
    await anna.press(menu, "Как это работает")
    demo = await anna.expect("Пн Вт Ср")
    await anna.press(demo, "Подключить бота")
    await anna.expect("Как называется")

    await anna.send("x" * 65)
    await anna.expect("от 1 до 64")
    await anna.send("Салон Анна")
    zones = await anna.expect("В каком городе")
    assert {"Москва", "Екатеринбург", "Камчатка", "🌍 Другой"} <= set(zones.button_texts)
    await anna.press(zones, "Другой")
    await anna.expect("IANA")
    await anna.send("Mars/Olympus")
    await anna.expect("Не знаю такой часовой пояс")
    await anna.send("Asia/Yekaterinburg")
    await anna.expect("@BotFather")

    bot = await salon_bot(stack, "anna")
    await anna.send("it is not a token")
    await anna.expect("не похоже на токен")
    await anna.send("7999999999:" + "x" * 35)
    await anna.expect("не принял этот токен")
    revoked = await salon_bot(stack, "old")
    await stack.tg.revoke(revoked)
    await anna.send(revoked.token)
    await anna.expect("не принял этот токен")
    await anna.send(bot.token)
    owner_question = await anna.expect(f"@{bot.username}")
    chat = await stack.tg.chat(stack.sales, anna.id)
    assert not any(bot.token in (m.text or "") for m in chat.messages), "token left in the chat"
    assert not any(revoked.token in (m.text or "") for m in chat.messages)

    owner_id = random.randint(10**9, 2 * 10**9)
    await anna.press(owner_question, "другой человек")
    await anna.expect("числовой Telegram ID")
    await anna.send("12")
    await anna.expect("Telegram ID — это число")
    await anna.send(str(owner_id))
    plan_step = await anna.expect("Осталось выбрать тариф")

    await anna.press(plan_step, "3 месяца")
    invoice = await anna.expect("Счёт готов")
    await anna.press(plan_step, "3 месяца")  # a double tap
    again = await anna.expect("Счёт готов")
    check_data = invoice.button("Проверить оплату").callback_data
    assert check_data is not None
    assert again.button("Проверить оплату").callback_data == check_data
    payment_id = check_data.split(":", 1)[1]
    pay_url = invoice.button("Оплатить").url
    assert pay_url is not None
    assert payment_id in pay_url

    payment = await stack.yk.get_payment(payment_id)
    assert payment is not None
    assert (payment.amount.value, payment.amount.currency) == ("799.00", "RUB")
    signup_id = payment.metadata["signup_id"]
    assert metadata(payment) == {"purpose": "new", "plan": "m3", "signup_id": signup_id}
    ours = [p for p in await stack.yk.payments() if p.metadata.get("signup_id") == signup_id]
    assert len(ours) == 1, "the double tap created a second payment"
    row = await stack.pool.fetchrow(
        "SELECT s.status, s.bot_token_sealed, p.idempotence_key FROM billing.signups s"
        " JOIN billing.payments p USING (signup_id) WHERE s.signup_id = $1",
        signup_id,
    )
    assert row is not None
    assert row["idempotence_key"] == f"signup:{signup_id}:m3:0"
    assert row["status"] == "awaiting_payment"
    assert bot.token not in row["bot_token_sealed"]

    await anna.press(invoice, "Проверить оплату")
    await anna.alert("ещё не поступила")

    succeeded = await subscribe(stack, PAYMENT_SUCCEEDED)
    await stack.yk.pay(payment_id)
    await anna.press(invoice, "Проверить оплату")
    await anna.expect("Оплата получена, запускаем бота")
    event = await next_event(succeeded, PaymentSucceeded, payment_id)
    await succeeded.unsubscribe()
    assert (event.purpose, event.plan_code, event.amount_kopecks) == ("new", "m3", 79900)
    assert event.signup is not None
    assert event.signup.signup_id == signup_id
    assert (event.signup.business_name, event.signup.timezone) == (
        "Салон Анна",
        "Asia/Yekaterinburg",
    )
    assert (event.signup.buyer_chat_id, event.signup.owner_chat_id) == (anna.id, owner_id)
    assert (event.signup.bot_id, event.signup.bot_username) == (bot.id, bot.username)
    sealer = Sealer(Secret(PLATFORM_SECRET))
    assert sealer.unseal(event.signup.bot_token_sealed).reveal() == bot.token
    assert (
        await stack.pool.fetchval(
            "SELECT status FROM billing.signups WHERE signup_id = $1", signup_id
        )
        == "paid"
    )

    # The same bot again, by someone else: refused while the paid signup holds it.
    boris = Person(stack)
    await boris.signup_until_token(name="Барбершоп")
    await boris.send(bot.token)
    await boris.expect("уже подключён")


async def test_english_speakers_get_english(stack: Stack) -> None:
    john = Person(stack, language="en")
    await john.send("/start")
    menu = await john.expect("online booking bot")
    assert "🚀 Connect a bot" in menu.button_texts


async def test_the_trial_starts_once_per_buyer(stack: Stack) -> None:
    vera = Person(stack)
    started = await subscribe(stack, TRIAL_STARTED)
    await vera.signup_until_token(name="Студия Вера", trial=True)
    bot = await salon_bot(stack, "vera")
    await vera.send(bot.token)
    owner_question = await vera.expect(f"@{bot.username}")
    await vera.press(owner_question, "Да, я")
    await vera.expect("Пробный период на 7 дней начат")
    event = await next_event(started, TrialStarted, bot.username)
    await started.unsubscribe()
    assert event.period_days == 7
    assert (event.signup.buyer_chat_id, event.signup.owner_chat_id) == (vera.id, vera.id)
    assert (
        await stack.pool.fetchval(
            "SELECT count(*) FROM billing.trials WHERE buyer_chat_id = $1", vera.id
        )
        == 1
    )

    await vera.send("/start")
    menu = await vera.expect("онлайн-запис")
    assert not any("Попробовать" in b for b in menu.button_texts)
    await vera.press_data(menu, "s:trial")
    await vera.alert("Пробный период уже был использован")

    # A second signup of the same buyer offers plans only, and a crafted trial press is refused.
    await vera.press(menu, "Подключить бота")
    await vera.expect("Как называется")
    await vera.send("Студия Вера 2")
    zones = await vera.expect("В каком городе")
    await vera.press(zones, "Самара")
    await vera.expect("@BotFather")
    second = await salon_bot(stack, "vera2")
    await vera.send(second.token)
    owner_question = await vera.expect(f"@{second.username}")
    await vera.press(owner_question, "Да, я")
    plans = await vera.expect("Осталось выбрать тариф")
    assert not any("Попробовать" in b for b in plans.button_texts)
    await vera.press_data(plans, "sp:trial")
    await vera.alert("Пробный период уже был использован")
    assert (
        await stack.pool.fetchval(
            "SELECT count(*) FROM billing.trials WHERE buyer_chat_id = $1", vera.id
        )
        == 1
    )


async def provision(stack: Stack, *, signup_id: str, buyer: int, owner: int, username: str) -> str:
    """Publish what the provisioner would, and wait until billing's consumer acked it."""
    tenant_id = f"t_{RUN}_{random.randint(0, 10**6)}"
    acks = await stack.nc.subscribe("$JS.ACK.>")
    event = TenantProvisioned(
        tenant_id=tenant_id,
        business_name="Салон Галя",
        bot_username=username,
        owner_chat_id=owner,
        buyer_chat_id=buyer,
        paid_until=datetime.now(UTC) + timedelta(days=30),
        plan_code="m1",
        signup_id=signup_id,
    )
    await stack.nc.jetstream().publish(
        tenant_event("provisioned", tenant_id),
        encode(event),
        headers={"Nats-Msg-Id": f"provisioned:{tenant_id}"},
    )
    async with asyncio.timeout(WAIT):
        while ".billing-tenants." not in (await acks.next_msg(timeout=WAIT)).subject:
            pass
    await acks.unsubscribe()
    return tenant_id


async def test_only_the_buyer_or_owner_can_renew_a_tenant(stack: Stack) -> None:
    galya = Person(stack)
    await galya.signup_until_token(name="Салон Галя")
    bot = await salon_bot(stack, "galya")
    await galya.send(bot.token)
    await galya.press(await galya.expect(f"@{bot.username}"), "Да, я")
    plans = await galya.expect("Осталось выбрать тариф")
    await galya.press(plans, "1 месяц")
    invoice = await galya.expect("Счёт готов")
    check_data = invoice.button("Проверить оплату").callback_data
    assert check_data is not None
    payment = await stack.yk.get_payment(check_data.split(":", 1)[1])
    assert payment is not None
    await stack.yk.pay(payment.id)
    await galya.press(invoice, "Проверить оплату")
    await galya.expect("Оплата получена")

    owner = Person(stack)
    tenant_id = await provision(
        stack,
        signup_id=payment.metadata["signup_id"],
        buyer=galya.id,
        owner=owner.id,
        username=bot.username,
    )
    assert (
        await stack.pool.fetchval(
            "SELECT tenant_id FROM billing.signups WHERE signup_id = $1",
            payment.metadata["signup_id"],
        )
        == tenant_id
    )

    intruder = Person(stack)
    await intruder.send("/start")
    menu = await intruder.expect("онлайн-запис")
    assert not any("Продлить" in b for b in menu.button_texts)
    await intruder.press_data(menu, f"renew:{tenant_id}")
    await intruder.alert("только его владелец")
    await intruder.press_data(menu, f"rp:{tenant_id}:m1")
    await intruder.alert("только его владелец")

    await owner.send("/start")
    owner_menu = await owner.expect("онлайн-запис")
    await owner.press(owner_menu, "Продлить")
    await owner.expect("Продление бота «Салон Галя»")

    await galya.send("/start")
    menu = await galya.expect("онлайн-запис")
    await galya.press(menu, "Продлить")
    renewal = await galya.expect("Продление бота «Салон Галя»")
    await galya.press(renewal, "12 месяцев")
    invoice = await galya.expect("Счёт готов")
    check_data = invoice.button("Проверить оплату").callback_data
    assert check_data is not None
    renewal_payment = await stack.yk.get_payment(check_data.split(":", 1)[1])
    assert renewal_payment is not None
    assert renewal_payment.amount.value == "2499.00"
    assert metadata(renewal_payment) == {
        "purpose": "renewal",
        "plan": "m12",
        "tenant_id": tenant_id,
    }
    paid_by_others = [
        p
        for p in await stack.yk.payments()
        if p.metadata.get("tenant_id") == tenant_id and p.id != renewal_payment.id
    ]
    assert paid_by_others == []
