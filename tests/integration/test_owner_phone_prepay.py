"""Staff book a caller for a service that asks prepayment, through `/admin` in the Telegram
emulator with real Postgres, Redis and NATS: a customer with a chat with the bot gets the
booking held and the payment link there (as if they had booked in the bot; nothing announced
until paid); a walk-in without a chat is booked as usual and staff are told to take the
prepayment on site.

The clock is Monday 2 June 2031, 09:00 Moscow; «Стрижка» asks a 500 ₽ deposit, holds 15 min.
"""

from __future__ import annotations

import msgspec
import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    only,
    shared_infra,
    talk,
)
from test_owner_phone_support import (
    CUSTOMER_PHONE,
    admin_home,
    as_user,
    customer,
    make_catalog,
)
from test_prepay_held import deposit_for_haircuts

from sandbox.telegram.models import ChatMessage
from shared.messages import BookingCreated, PrepayCommand, PrepayHold

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest


async def haircut_summary(talk: Talk, query: str, found_label: str) -> ChatMessage:
    """Staff look the caller up and pick «Стрижка» with Анна on Tuesday at 12:00."""
    only(await talk.tap(await admin_home(talk), "Записать клиента"))
    found = only(await talk.send(query))
    services = only(await talk.tap(found, found_label))
    masters = only(await talk.tap(services, "Стрижка"))
    days = only(await talk.tap(masters, "Анна"))
    times = only(await talk.tap(days, "Вт 3"))
    return only(await talk.tap(times, "12:00"))


async def test_a_caller_with_a_chat_gets_the_hold_and_the_link_in_the_bot(talk: Talk) -> None:
    await make_catalog(talk)
    await deposit_for_haircuts(talk)
    await talk.send("/start")  # the customer has a chat with the bot
    await customer(talk, telegram_id=talk.user, name="Ольга", phone=CUSTOMER_PHONE)
    with as_user(talk, OWNER):
        summary = await haircut_summary(talk, CUSTOMER_PHONE, "Ольга · +79120000000")
        card = only(await talk.tap(summary, "Записать"))
        text = card.text or ""
        assert text.startswith("✅ Записано и ждёт предоплаты 500 ₽"), text
        assert "Время держится до 09:15" in text
        assert "⏳ Ожидает предоплаты до 09:15" in text
        assert "🔁 Перенести" not in card.button_texts  # not movable until paid
        # a double tap answers as done: no second booking, no second payment asked for
        await talk.press(summary, summary.button("Записать").callback_data or "", force=True)
    command = msgspec.json.decode((await talk.event("prepay")).data, type=PrepayCommand)
    assert isinstance(command, PrepayHold)
    assert command.amount_kopecks == 50000
    assert command.return_url == f"https://t.me/{talk.tenant.config.bot_username}"
    (row,) = await talk.sql(
        "SELECT b.status, b.source, p.status AS prepay FROM bookings AS b"
        " JOIN prepayments AS p ON p.booking_id = b.id"
    )
    assert tuple(row) == ("confirmed", "admin", "awaiting")  # it holds the time
    assert await talk.stored("created") == 0  # the customer hears of it through the link
    assert await talk.stored("prepay") == 1


async def test_a_walk_in_without_a_chat_is_booked_and_pays_on_site(talk: Talk) -> None:
    await make_catalog(talk)
    await deposit_for_haircuts(talk)
    await customer(talk, telegram_id=None, name="Пётр", phone="+79991112233")
    with as_user(talk, OWNER):
        summary = await haircut_summary(talk, "+7 999 111-22-33", "Пётр · +79991112233")
        card = only(await talk.tap(summary, "Записать"))
    assert "ссылку на предоплату 500 ₽ не отправить — возьмите её на месте" in (card.text or "")
    assert "Ожидает предоплаты" not in (card.text or "")
    event = msgspec.json.decode((await talk.event("created")).data, type=BookingCreated)
    assert (event.made_by, event.customer_chat_id) == ("staff", 0)
    assert await talk.stored("prepay") == 0
    assert not await talk.sql("SELECT booking_id FROM prepayments")
