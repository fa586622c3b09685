"""Prepayment through the business's own YooKassa shop, on the running stack: the owner
connects a shop of their own in the emulator (wrong keys refused, the key deleted from the
chat and never stored or logged in clear), a service asks for a 500 ₽ deposit, and

- a customer's held booking that is not paid in time is cancelled by the system, the customer
  is told, and another customer then books the very same time;
- a held booking that is paid is confirmed (the owner hears of it only then), a forged or
  repeated notification changes nothing, and the customer's cancel inside the free-cancel
  window refunds through YooKassa (the emulator shows it; the ledger has it).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import nats
import pytest
import pytest_asyncio
from nats.js.errors import NotFoundError

from devstack.demo import Endpoints
from devstack.stack import SERVICES, Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage
from sandbox.yookassa import YooKassaSandboxClient
from shared.subjects import STREAM_TG
from tests.e2e.test_booking_journey import (
    PHONE,
    WAIT,
    MoveClock,
    Salon,
    assert_says,
    at,
    controllable_clock,
    open_salon,
    pick_day,
    spelled,
    visit_day,
)
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def move_clock(stack: Stack) -> AsyncIterator[MoveClock]:
    async with controllable_clock(stack) as move:
        yield move


async def billing_rows(endpoints: Endpoints, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(endpoints.database_url)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
        return rows
    finally:
        await conn.close()


async def connect_shop(
    salon: Salon, yookassa: YooKassaSandboxClient, stack: Stack
) -> tuple[str, str]:
    """The business's own shop in the emulator (its notifications to billing's per-tenant
    path), connected by the owner in «Предоплата»: a wrong key first, then the right one."""
    shop_id = str(200_000 + uuid.uuid4().int % 700_000)
    secret = f"test_{uuid.uuid4().hex}"
    webhook = f"{stack.config.url('billing')}/webhooks/yookassa/t/{salon.tenant_id}"
    await yookassa.add_shop(shop_id, secret, webhook)
    owner = salon.owner
    await owner.send("/admin")
    home = await owner.expect("управление", wait=WAIT)
    await owner.press(home, "💳 Предоплата")
    screen = await owner.expect("ЮKassa: не подключена", wait=WAIT)
    await owner.press(screen, "Подключить ЮKassa")
    await owner.expect("shopId", wait=WAIT)
    await owner.send(shop_id)
    await owner.expect("секретный ключ", wait=WAIT)
    await owner.send(f"test_{uuid.uuid4().hex}")  # not this shop's key
    await owner.expect("ЮKassa не приняла", wait=WAIT)
    await owner.send(secret)
    saved = await owner.expect("ЮKassa подключена", wait=WAIT)
    assert_says(saved, shop_id, f"/webhooks/yookassa/t/{salon.tenant_id}", "15 мин")
    history = await owner.telegram.chat(owner.bot, owner.id)
    assert not [m for m in history.messages if secret in (m.text or "")], "the key is shown"
    assert secret not in await stored_updates(stack), "the key stays in the TG stream"

    await owner.press(saved, "Стрижка: без предоплаты")
    card = await owner.expect("Что брать при записи", wait=WAIT)
    await owner.press(card, "Депозит…")
    await owner.expect("депозитом", wait=WAIT)
    await owner.send("500")
    done = await owner.expect("депозит 500 ₽", wait=WAIT)
    assert_says(done, "Стрижка (1\u00a0500 ₽): депозит 500 ₽")
    return shop_id, secret


async def stored_updates(stack: Stack, last: int = 400) -> str:
    """The newest updates the TG stream still holds, as one text."""
    connection = await nats.connect(stack.config.nats_url)
    try:
        js = connection.jetstream()
        top = (await js.stream_info(STREAM_TG.name)).state.last_seq
        found = []
        for seq in range(max(1, top - last), top + 1):
            try:
                found.append((await js.get_msg(STREAM_TG.name, seq)).data or b"")
            except NotFoundError:
                continue  # erased, or never there
        return b"\n".join(found).decode(errors="replace")
    finally:
        await connection.close()


async def book_held(customer: ChatUser, day: date, clock: str) -> ChatMessage:
    """A new customer books «Стрижка» at `clock`; the booking waits for its deposit."""
    await customer.send("/start")
    await customer.press(await customer.expect("Здравствуйте", wait=WAIT), "Записаться")
    await customer.press(await customer.expect("Выберите услугу", wait=WAIT), "Стрижка")
    await customer.press(await customer.expect("Выберите мастера", wait=WAIT), "Мастер")
    await pick_day(customer, await customer.expect("Выберите день", wait=WAIT), day)
    await customer.press(await customer.expect("Выберите время", wait=WAIT), clock)
    await customer.expect("Как вас зовут", wait=WAIT)
    await customer.share_contact(PHONE)
    summary = await customer.expect("Проверьте, пожалуйста, запись", wait=WAIT)
    await customer.press(summary, "Подтвердить")
    held = await customer.expect("Время за вами до", wait=WAIT)
    assert_says(held, "предоплату 500 ₽", f"{spelled(day)}, {clock}")
    return await customer.expect("Оплатите 500 ₽", wait=WAIT)


def payment_of(link: ChatMessage) -> str:
    url = link.button("Оплатить 500 ₽").url
    assert url is not None
    assert "/checkout/" in url, url
    return url.rsplit("/", 1)[-1]


async def post_note(stack: Stack, tenant_id: str, body: dict[str, object], **headers: str) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{stack.config.url('billing')}/webhooks/yookassa/t/{tenant_id}",
            json=body,
            headers=headers,
        )
    return response.status_code


def succeeded(payment_id: str) -> dict[str, object]:
    return {
        "type": "notification",
        "event": "payment.succeeded",
        "object": {"id": payment_id, "status": "succeeded"},
    }


async def test_an_unpaid_hold_expires_and_frees_the_time_a_paid_one_is_refunded_on_cancel(
    stack: Stack,
    endpoints: Endpoints,
    telegram: TelegramSandboxClient,
    yookassa: YooKassaSandboxClient,
    move_clock: MoveClock,
) -> None:
    salon = await open_salon(endpoints, telegram, "prepay")
    shop_id, secret = await connect_shop(salon, yookassa, stack)
    day = visit_day(3)

    # Мария holds 12:00 and never pays: 16 minutes later the time is free again.
    maria = ChatUser(telegram, salon.bot, first_name="Мария")
    unpaid = payment_of(await book_held(maria, day, "12:00"))
    (held,) = await salon.bookings()
    assert held["status"] == "confirmed"  # it occupies the time while it waits
    shop_payment = await yookassa.get_payment(unpaid)
    assert shop_payment is not None
    assert shop_payment.recipient.account_id == shop_id
    assert shop_payment.amount.value == "500.00"

    # A notification from outside YooKassa's networks, or one the shop's API contradicts
    # (the payment is still pending), changes nothing.
    forged_ip = await post_note(
        stack, salon.tenant_id, succeeded(unpaid), **{"X-Forwarded-For": "203.0.113.9"}
    )
    contradicted = await post_note(stack, salon.tenant_id, succeeded(unpaid))
    elsewhere = await post_note(stack, "some_other_salon", succeeded(unpaid))
    assert (forged_ip, contradicted, elsewhere) == (403, 403, 403)

    await move_clock(datetime.now(UTC) + timedelta(minutes=16))
    told = await maria.expect("отменена", wait=WAIT)
    assert_says(told, "12:00", "не была оплачена вовремя")
    (gone,) = await salon.bookings()
    assert (gone["status"], gone["cancelled_by"]) == ("cancelled", "system")

    # Олег books the same 12:00, pays, and is booked; the owner hears of it only now.
    oleg = ChatUser(telegram, salon.bot, first_name="Олег")
    link = await book_held(oleg, day, "12:00")
    paid_id = payment_of(link)
    result = await yookassa.pay(paid_id)
    assert result.notification_status == 200
    confirmed = await oleg.expect("Оплата 500 ₽ получена", wait=WAIT)
    assert_says(confirmed, f"{spelled(day)}, 12:00", "Стрижка")
    alert = await salon.owner.expect("Новая запись", wait=WAIT)
    assert_says(alert, "Олег", "12:00")
    assert "Мария" not in (alert.text or "")
    bookings = await salon.bookings()
    assert [(b["status"], b["starts_at"]) for b in bookings] == [
        ("cancelled", at(day, "12:00")),
        ("confirmed", at(day, "12:00")),
    ]

    # The same notification again: recorded once, told once.
    again = await yookassa.notify(paid_id)
    assert again.notification_status == 200
    ledger = await billing_rows(
        endpoints,
        "SELECT event, amount_kopecks FROM billing.prepay_ledger WHERE payment_id = $1 ORDER BY id",
        paid_id,
    )
    assert [tuple(r) for r in ledger] == [("payment.succeeded", 50000)]
    await oleg.send("/my")
    await oleg.expect("Ваши записи", wait=WAIT)
    chat = await telegram.chat(salon.bot, oleg.id)
    assert len([m for m in chat.messages if "получена" in (m.text or "")]) == 1

    # Days before the visit Олег cancels: the deposit goes back through the shop.
    await oleg.send("/my")
    mine = await oleg.expect("Ваши записи", wait=WAIT)
    await oleg.press(mine, "❌ Отменить 1")
    await oleg.press(await oleg.expect("Отменить эту запись?", wait=WAIT), "Да, отменить")
    cancelled = await oleg.expect("Запись отменена", wait=WAIT)
    assert_says(cancelled, "Предоплата 500 ₽ вернётся")
    refunded = await oleg.expect("Возврат 500 ₽ оформлен", wait=WAIT)
    assert_says(refunded, "12:00")
    in_shop = await yookassa.get_payment(paid_id)
    assert in_shop is not None
    assert in_shop.refunded_amount is not None
    assert in_shop.refunded_amount.value == "500.00"
    ledger = await billing_rows(
        endpoints,
        "SELECT event, amount_kopecks FROM billing.prepay_ledger WHERE payment_id = $1 ORDER BY id",
        paid_id,
    )
    assert [tuple(r) for r in ledger] == [
        ("payment.succeeded", 50000),
        ("refund.succeeded", -50000),
    ]
    (payment,) = await billing_rows(
        endpoints,
        "SELECT status, refunded_kopecks FROM billing.prepay_payments WHERE payment_id = $1",
        paid_id,
    )
    assert tuple(payment) == ("refunded", 50000)

    # The owner's changes are audited without the key; no service logged it.
    audit = await salon.rows("SELECT action, before, after FROM audit_log ORDER BY id")
    assert [r["action"] for r in audit] == ["prepay.connect", "prepay.service"]
    assert secret not in str([tuple(r) for r in audit])
    sealed = await salon.rows("SELECT secret_sealed FROM prepay_shop")
    assert secret not in sealed[0]["secret_sealed"]
    for name in SERVICES:
        log = stack.log(name)
        assert not log.exists() or secret not in log.read_text(), f"{name} logged the key"
