"""The waitlist for freed time through the running stack (gateway, booking, notifier over real
NATS, Postgres and Redis; the Telegram emulator): three customers wait for the same day, a
booking is cancelled, all three get notifier's offer and tap it at once: one booking, two
"taken" who stay on the list; the winner moves the booking away and the other two are offered
the time again; a made-up offer button is refused politely.
"""

from __future__ import annotations

import asyncio

import pytest

from devstack.demo import Endpoints
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage
from tests.e2e.test_booking_journey import (
    WAIT,
    at,
    book,
    minutes,
    my_list,
    open_salon,
    pick_day,
    spelled,
    visit_day,
)
from tests.support.chat import ChatUser

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

OFFER = "Освободилось время"
WON = "Готово, вы записаны"
TAKEN = "уже заняли"


async def join_waitlist(customer: ChatUser, day) -> None:
    """From /start to «Вы в листе ожидания» for «Стрижка» with «Мастер» on `day` only."""
    await customer.send("/start")
    await customer.press(await customer.expect("Здравствуйте", wait=WAIT), "Записаться")
    await customer.press(await customer.expect("Выберите услугу", wait=WAIT), "Стрижка")
    await customer.press(await customer.expect("Выберите мастера", wait=WAIT), "Мастер")
    await pick_day(customer, await customer.expect("Выберите день", wait=WAIT), day)
    times = await customer.expect("Выберите время", wait=WAIT)
    await customer.press(times, "Лист ожидания")
    ask = await customer.expect("На какие дни", wait=WAIT)
    await customer.press(ask, "Только")
    await customer.expect("Вы в листе ожидания", wait=WAIT)


async def expect_one_of(customer: ChatUser, *fragments: str, wait: float = WAIT) -> ChatMessage:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        found = await customer.telegram.wait_for_message(
            customer.bot,
            customer.id,
            after_message_id=customer.seen_id,
            after_version=customer.seen_version,
            timeout=max(deadline - loop.time(), 0.1),
        )
        customer.seen_id = max([customer.seen_id, *(m.message_id for m in found)])
        customer.seen_version = max([customer.seen_version, *(m.version for m in found)])
        for message in reversed(found):
            if any(f in (message.text or "") for f in fragments):
                return message
        if loop.time() > deadline:
            raise TimeoutError(f"none of {fragments} in {found}")


async def test_three_wait_one_cancel_one_wins_two_stay_and_a_move_away_offers_again(
    endpoints: Endpoints, telegram: TelegramSandboxClient, stack: Stack
) -> None:
    salon = await open_salon(endpoints, telegram, "wait")
    day = visit_day()
    holder = ChatUser(telegram, salon.bot, first_name="Пётр")
    await book(holder, day, "12:00")
    waiting = [ChatUser(telegram, salon.bot, first_name=n) for n in ("Вера", "Нина", "Олеся")]
    await asyncio.gather(*(join_waitlist(c, day) for c in waiting))
    for n, c in enumerate(waiting):  # name and phone known, so an offer books in one tap
        await salon.rows(
            "UPDATE customers SET name = $2, phone = $3 WHERE telegram_id = $1",
            c.id,
            c.first_name,
            f"+7912000000{n}",
        )

    mine = await my_list(holder, says="12:00")
    await holder.press(mine, "Отменить 1")
    await holder.press(await holder.expect("Отменить эту запись?", wait=WAIT), "Да, отменить")
    await holder.expect("Запись отменена", wait=WAIT)

    offers = [await c.expect(OFFER, wait=WAIT) for c in waiting]
    for offer in offers:
        assert f"{spelled(day)}" in (offer.text or "")
        assert offer.button_texts[0] == "Записаться на 12:00"
    before = [len(await telegram.callback_answers(c.bot, chat_id=c.id)) for c in waiting]
    await asyncio.gather(
        *(c.press(o, "Записаться на 12:00") for c, o in zip(waiting, offers, strict=True))
    )
    for c, n in zip(waiting, before, strict=True):  # every tap is answered
        said = await telegram.callback_answers(c.bot, chat_id=c.id, more_than=n, timeout=WAIT)
        assert len(said) > n, f"no answer to {c.first_name}'s tap in {stack.log('booking')}"
    answers = [await expect_one_of(c, WON, TAKEN) for c in waiting]
    won = [c for c, a in zip(waiting, answers, strict=True) if WON in (a.text or "")]
    lost = [c for c, a in zip(waiting, answers, strict=True) if TAKEN in (a.text or "")]
    assert (len(won), len(lost)) == (1, 2), [a.text for a in answers]
    confirmed = [b for b in await salon.bookings() if b["status"] == "confirmed"]
    assert [b["starts_at"] for b in confirmed] == [at(day, "12:00")]
    entries = await salon.rows(
        "SELECT w.id, c.telegram_id, w.fulfilled_at IS NOT NULL AS done"
        " FROM slot_waitlist w JOIN customers c ON c.id = w.customer_id"
    )
    state = {row["telegram_id"]: row["done"] for row in entries}
    assert state == {won[0].id: True, lost[0].id: False, lost[1].id: False}

    # the winner moves the booking away: the two still waiting are offered 12:00 again
    (winner,) = won
    mine = await my_list(winner, says="12:00")
    await winner.press(mine, "Перенести 1")
    await pick_day(winner, await winner.expect("Выберите день", wait=WAIT), day)
    await winner.press(await winner.expect("Выберите время", wait=WAIT), "16:00")
    await winner.press(await winner.expect("Перенести запись?", wait=WAIT), "Подтвердить")
    await winner.expect("запись перенесена", wait=WAIT)
    again = [await c.expect(OFFER, wait=WAIT) for c in lost]
    assert all(o.button_texts[0] == "Записаться на 12:00" for o in again)

    # a made-up button: the winner's (fulfilled) entry pressed by someone else
    winner_entry = next(r["id"] for r in entries if r["telegram_id"] == winner.id)
    master = confirmed[0]["master_id"]
    forged = f"wlo:{winner_entry}:{master}:{minutes(at(day, '12:00'))}"
    before = len(await telegram.callback_answers(lost[0].bot, chat_id=lost[0].id))
    await lost[0].press_data(again[0], forged)
    seen = await telegram.callback_answers(
        lost[0].bot, chat_id=lost[0].id, more_than=before, timeout=WAIT
    )
    assert "больше не действует" in (seen[-1].text or "")
    assert len([b for b in await salon.bookings() if b["status"] == "confirmed"]) == 1
