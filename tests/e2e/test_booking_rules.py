"""The business's rules hold through the running stack: moving a booking inside and outside
the cut-off, and buttons a client made up (past or off-grid times, someone else's booking,
garbage) refused politely with nothing changed. The seed's rules as in `test_booking_journey`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio

from devstack.demo import Endpoints
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import CallbackAnswerItem, ChatMessage
from tests.e2e.test_booking_journey import (
    MOSCOW,
    WAIT,
    MoveClock,
    assert_says,
    at,
    book,
    controllable_clock,
    minutes,
    my_list,
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


async def answers_on(customer: ChatUser, message: ChatMessage) -> list[CallbackAnswerItem]:
    answers = await customer.telegram.callback_answers(customer.bot, chat_id=customer.id)
    return [a for a in answers if a.message_id == message.message_id]


async def alert_after_press(customer: ChatUser, message: ChatMessage, button: str) -> str:
    """Press a button whose only answer is an alert over it (no message changes), and wait
    for that answer with the emulator's long poll."""
    before = len(await customer.telegram.callback_answers(customer.bot, chat_id=customer.id))
    await customer.press(message, button)
    answers = await customer.telegram.callback_answers(
        customer.bot, chat_id=customer.id, more_than=before, timeout=WAIT
    )
    if len(answers) <= before:
        raise TimeoutError(f"no answer to {button!r}")
    assert answers[-1].message_id == message.message_id
    assert answers[-1].show_alert
    return answers[-1].text or ""


async def test_a_booking_moves_inside_the_cutoff_and_stays_outside_it(
    endpoints: Endpoints, telegram: TelegramSandboxClient, move_clock: MoveClock
) -> None:
    salon = await open_salon(endpoints, telegram, "move")
    customer = ChatUser(telegram, salon.bot, first_name="Олег")
    day = visit_day()
    await book(customer, day, "12:00")
    await salon.owner.expect("Новая запись", wait=WAIT)

    # Days before the visit: «Перенести» → the same day at 16:00.
    mine = await my_list(customer, says="12:00")
    await customer.press(mine, "Перенести 1")
    await pick_day(customer, await customer.expect("Выберите день", wait=WAIT), day)
    await customer.press(await customer.expect("Выберите время", wait=WAIT), "16:00")
    ask = await customer.expect("Перенести запись?", wait=WAIT)
    assert_says(ask, "Новое время", f"{spelled(day)}, 16:00")
    await customer.press(ask, "Подтвердить")
    moved = await customer.expect("запись перенесена", wait=WAIT)
    assert f"{spelled(day)}, 16:00" in (moved.text or "")
    mine = await my_list(customer, says="16:00")
    assert "12:00" not in (mine.text or "")
    told = await salon.owner.expect("Запись перенесена", wait=WAIT)
    assert_says(told, "Было:", "12:00", "Стало:", "16:00", "Олег")
    (booking,) = await salon.bookings()
    assert booking["starts_at"] == at(day, "16:00")

    # The customer starts moving it again (to 17:00) but confirms too late.
    await customer.press(mine, "Перенести 1")
    await pick_day(customer, await customer.expect("Выберите день", wait=WAIT), day)
    await customer.press(await customer.expect("Выберите время", wait=WAIT), "17:00")
    stale = await customer.expect("Перенести запись?", wait=WAIT)
    await move_clock(at(day, "15:00"))  # an hour before the visit; the cut-off is 2 h
    late_list = await my_list(customer, says="уже нельзя")
    assert f"{spelled(day)}, 16:00" in (late_list.text or "")

    too_late = "Перенести запись онлайн можно не позже чем за 2 ч до начала"
    assert too_late in await alert_after_press(customer, stale, "Подтвердить")
    assert too_late in await alert_after_press(customer, late_list, "Перенести 1")
    (booking,) = await salon.bookings()
    assert (booking["starts_at"], booking["status"]) == (at(day, "16:00"), "confirmed")
    assert "16:00" in ((await my_list(customer, says="16:00")).text or "")
    history = await salon.rows("SELECT action FROM booking_history ORDER BY id")
    assert [row["action"] for row in history] == ["created", "rescheduled"]


async def tamper(customer: ChatUser, data: str, *, shows: str) -> CallbackAnswerItem:
    """Press crafted callback data under a fresh «О нас» message: the bot must answer the
    press and replace that message with a screen saying `shows`."""
    await customer.send("/about")
    about = await customer.expect("Услуги и цены", wait=WAIT)
    await customer.press_data(about, data)
    screen = await customer.expect(shows, wait=WAIT)
    assert screen.message_id == about.message_id
    answers = await answers_on(customer, about)  # answered before the message is edited
    assert len(answers) == 1, answers
    return answers[0]


async def test_tampered_buttons_are_refused_politely_and_change_nothing(
    endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    salon = await open_salon(endpoints, telegram, "tamper")
    first = ChatUser(telegram, salon.bot, first_name="Мария")
    day = visit_day()
    await book(first, day, "12:00")
    (booking,) = await salon.bookings()
    service, master, booking_id = booking["service_id"], booking["master_id"], booking["id"]
    before = (await salon.bookings(), await salon.rows("SELECT * FROM booking_history"))

    yesterday = datetime.now(MOSCOW).date() - timedelta(days=1)
    past = minutes(at(yesterday, "12:00"))
    night, off_grid = minutes(at(day, "03:17")), minutes(at(day, "12:07"))

    answer = await tamper(first, f"bt:{service}:{master}:0:{past}", shows="уже прошло")
    assert "Это время уже прошло" in (answer.text or "")
    answer = await tamper(first, f"bt:{service}:{master}:0:{night}", shows="не работаем")
    assert "В это время мы не работаем" in (answer.text or "")
    answer = await tamper(first, f"bt:{service}:{master}:0:{off_grid}", shows="Такого времени")
    assert "Такого времени для записи нет" in (answer.text or "")
    answer = await tamper(first, f"bk:{service}:{night}", shows="Выберите время")
    assert "Этот выбор устарел" in (answer.text or "")
    answer = await tamper(first, f"mv:{booking_id}:{past}", shows="уже прошло")
    assert "Это время уже прошло" in (answer.text or "")
    answer = await tamper(first, f"mv:{booking_id}:{night}", shows="не работаем")
    assert "В это время мы не работаем" in (answer.text or "")
    answer = await tamper(first, "bs:999999", shows="Выберите услугу")
    assert "Эта услуга сейчас недоступна" in (answer.text or "")

    other = ChatUser(telegram, salon.bot, first_name="Олег")
    for data in (
        f"mb:sure:{booking_id}",
        f"rm:cancel:{booking_id}",
        f"mb:move:{booking_id}",
        f"mv:{booking_id}:{minutes(at(day, '16:00'))}",
        f"bt:0:0:{booking_id}:{minutes(at(day, '16:00'))}",
        f"bd:0:0:{booking_id}:{day:%Y%m%d}",
    ):
        answer = await tamper(other, data, shows="нет предстоящих записей")
        assert "Такой записи у вас нет" in (answer.text or ""), data
    garbage = (
        "zzz",
        "bt:abc:0:0:1",
        "mb:sure:99999999999999999999",
        f"bd:{service}:0:0:20311399",
        f"bd:{service}:0:0:99991231",
        f"bd:{service}:0:0:10101",
    )
    for data in garbage:
        answer = await tamper(other, data, shows="Здравствуйте")
        assert "Эта кнопка устарела" in (answer.text or ""), data

    after = (await salon.bookings(), await salon.rows("SELECT * FROM booking_history"))
    assert after == before
    assert f"{spelled(day)}, 12:00" in ((await my_list(first, says="12:00")).text or "")
