"""A booking held for its prepayment, through the business's bot: the customer's «Мои записи»
and the owner's day and card show it as awaiting payment (with the pay link again for the
customer), neither side can move it until it is paid (a polite reason instead), and the
customer may cancel it, which frees its time at once with nothing announced or refunded."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import msgspec
import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    book_through_buttons,
    only,
    shared_infra,
    talk,
)

from services.booking.bot import codes
from services.booking.bot.admin.desk_callbacks import Move
from services.booking.bot.callbacks import Manage, MoveTo
from shared.crypto import Sealer
from shared.messages import BookingCancelled, PrepayCommand, PrepayHold
from shared.settings import Secret

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]

PAY_URL = "https://yookassa.example/checkout/pay-held-1"


async def deposit_for_haircuts(talk: Talk) -> None:
    """The business's shop is connected and «Стрижка» asks a 500 ₽ deposit (15 min hold)."""
    sealer = Sealer(Secret(base64.urlsafe_b64encode(os.urandom(32)).decode()))
    await talk.sql(
        "INSERT INTO prepay_shop (id, shop_id, secret_sealed, connected_at)"
        " VALUES (1, '300001', $1, now())",
        sealer.seal("test_right_key_0001"),
    )
    await talk.sql(
        "UPDATE services SET prepay_mode = 'deposit', prepay_kopecks = 50000 WHERE name = 'Стрижка'"
    )


async def _held_booking(talk: Talk) -> int:
    """The customer books «Стрижка» with a 500 ₽ deposit; billing has made its payment link."""
    await deposit_for_haircuts(talk)
    await book_through_buttons(talk)
    summary = (await talk.share_contact("+79120000000"))[-1]
    only(await talk.tap(summary, "Подтвердить"))
    command = msgspec.json.decode((await talk.event("prepay")).data, type=PrepayCommand)
    assert isinstance(command, PrepayHold)
    (booking,) = await talk.sql("SELECT id FROM bookings")
    booking_id = booking["id"]
    await talk.sql(  # billing's answer: the payment link (as the prepay consumer stores it)
        "UPDATE prepayments SET payment_id = 'pay-held-1', confirmation_url = $1"
        " WHERE booking_id = $2",
        PAY_URL,
        booking_id,
    )
    return booking_id


async def test_a_held_booking_shows_awaiting_payment_and_cannot_be_moved(talk: Talk) -> None:
    booking_id = await _held_booking(talk)
    mine = only(await talk.send("/my"))
    assert "⏳ Ожидает оплаты до 09:15" in (mine.text or "")
    assert "🔁 Перенести 1" not in mine.button_texts
    assert mine.button("Оплатить 500").url == PAY_URL
    refused = await talk.press(mine, Manage(a="move", b=booking_id).pack(), force=True)
    assert "ещё не оплачена, поэтому её пока нельзя перенести" in (await talk.last_answer() or "")
    assert refused == [] or "Ожидает оплаты" in (refused[-1].text or "")

    customer, talk.user = talk.user, OWNER
    home = only(await talk.send("/admin"))
    today = only(await talk.tap(home, "Записи на сегодня"))
    tomorrow = only(await talk.tap(today, "›"))
    assert "⏳ 10:00–11:00 Стрижка" in (tomorrow.text or "")
    card = only(await talk.tap(tomorrow, "10:00–11:00 Стрижка"))
    assert "⏳ Ожидает предоплаты до 09:15" in (card.text or "")
    assert "🔁 Перенести" not in card.button_texts
    await talk.press(card, Move(a="d", b=booking_id).pack(), force=True)
    assert "ждёт предоплаты клиента" in (await talk.last_answer() or "")
    (row,) = await talk.sql("SELECT status, starts_at FROM bookings")
    assert row["status"] == "confirmed"

    talk.user = customer
    mine = only(await talk.send("/my"))
    ask = only(await talk.tap(mine, "Отменить 1"))
    done = only(await talk.tap(ask, "Да, отменить"))
    assert (done.text or "").startswith("Запись отменена.")
    assert "вернётся" not in (done.text or "")  # nothing paid, nothing to refund
    (gone,) = await talk.sql(
        "SELECT b.status, p.status AS prepay FROM bookings b JOIN prepayments p"
        " ON p.booking_id = b.id"
    )
    assert tuple(gone) == ("cancelled", "dropped")
    event = msgspec.json.decode((await talk.event("cancelled")).data, type=BookingCancelled)
    assert (event.booking_id, event.admin_chat_ids) == (booking_id, ())
    assert await talk.stored("prepay") == 1  # the hold only: no refund asked for


async def test_a_time_button_kept_from_before_is_refused_at_the_last_step_on_both_sides(
    talk: Talk,
) -> None:
    """The move buttons a chat still shows from before (or a forged one) reach the very last
    step: the booking stays where it is, each side is told why, the customer sees their list."""
    booking_id = await _held_booking(talk)
    (booking,) = await talk.sql("SELECT starts_at FROM bookings")
    later = codes.minutes(booking["starts_at"] + timedelta(hours=2))
    mine = only(await talk.send("/my"))
    after = await talk.press(mine, MoveTo(b=booking_id, t=later).pack(), force=True)
    assert "ещё не оплачена, поэтому её пока нельзя перенести" in (await talk.last_answer() or "")
    assert "⏳ Ожидает оплаты до 09:15" in (after[-1].text if after else mine.text or "")

    talk.user = OWNER
    home = only(await talk.send("/admin"))
    await talk.press(home, Move(a="go", b=booking_id, t=later).pack(), force=True)
    assert "ждёт предоплаты клиента" in (await talk.last_answer() or "")
    (row,) = await talk.sql("SELECT status, starts_at FROM bookings")
    assert tuple(row) == ("confirmed", booking["starts_at"])
    assert await talk.stored("rescheduled") == 0
