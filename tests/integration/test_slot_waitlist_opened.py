"""The waitlist when the owner opens more time, and an offer booked through the contact step,
through the bot (the harness of `test_slot_waitlist`): weekly hours extended and a weekly
break removed, a day off removed and a date's changed hours widened offer only the time the
change opened, to the entries of those days; a customer who never gave a phone books an offer
after the contact step and their entry is fulfilled by that booking.

The clock is Monday 2 June 2031, 09:00 Moscow; the default business: «Стрижка» 60 minutes,
«Мастер» works 10:00-20:00 with a break 14:00-15:00.
"""

from __future__ import annotations

import pytest
from test_booking_admin import owner_week
from test_booking_conversation import OWNER, Talk, moscow, only, shared_infra, talk
from test_slot_waitlist import booked, cancel_in_bot, customer, entry, freed, ids, offer_message

from tests.support.owner import as_user

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

BASE = 820_000_000


async def test_weekly_hours_extended_and_a_break_removed_offer_the_opened_time(
    talk: Talk,
) -> None:
    _, masters = await ids(talk)
    tuesday_waiter, wednesday_waiter = BASE + 1, BASE + 2
    await entry(talk, await customer(talk, tuesday_waiter, "Вера"), masters["Мастер"], 3, 3)
    await entry(talk, await customer(talk, wednesday_waiter, "Нина"), None, 4, 4)

    with as_user(talk, OWNER):
        week = await owner_week(talk)
        tuesday = only(await talk.tap(week, "Вт"))
        only(await talk.tap(tuesday, "Часы работы"))
        week = only(await talk.send("08:00-20:00"))
    assert "Вт: 08:00–20:00, перерыв 14:00–15:00" in (week.text or "")
    event = await freed(talk)
    (offer,) = event.offers  # the Wednesday entry: its day did not change
    assert (offer.chat_id, offer.master_name) == (tuesday_waiter, "Мастер")
    assert offer.times[0] == moscow(3, 8)  # the opened morning, not the old hours
    assert all(t < moscow(3, 10) for t in offer.times)

    with as_user(talk, OWNER):
        tuesday = only(await talk.tap(week, "Вт"))
        only(await talk.tap(tuesday, "Перерыв"))
        week = only(await talk.send("-"))
    assert "Вт: 08:00–20:00" in (week.text or "")
    (offer,) = (await freed(talk)).offers
    assert offer.chat_id == tuesday_waiter
    assert offer.times[0] == moscow(3, 14)  # the break that is gone

    booking = await offer_message(talk, event, tuesday_waiter)  # the first offer still books
    with as_user(talk, tuesday_waiter):
        done = only(await talk.tap(booking, "Записаться на 08:00"))
    assert (done.text or "").startswith("Готово, вы записаны!")


async def test_a_day_off_removed_and_a_dates_hours_widened_offer_the_opened_time(
    talk: Talk,
) -> None:
    _, masters = await ids(talk)
    master = masters["Мастер"]
    await talk.sql("INSERT INTO days_off (master_id, day) VALUES ($1, '2031-06-04')", master)
    await talk.sql(
        "INSERT INTO changed_hours (master_id, day, starts, ends)"
        " VALUES ($1, '2031-06-05', '12:00', '16:00')",
        master,
    )
    on_wednesday, on_thursday = BASE + 11, BASE + 12
    await entry(talk, await customer(talk, on_wednesday, "Вера"), master, 4, 4)
    await entry(talk, await customer(talk, on_thursday, "Нина"), None, 5, 5)

    with as_user(talk, OWNER):
        month = only(await talk.tap(await owner_week(talk), "Отдельные даты"))
        wednesday = only(await talk.tap(month, "4"))
        assert "🚫 выходной" in (wednesday.text or "")
        wednesday = only(await talk.tap(wednesday, "Отменить выходной"))
    assert "как обычно" in (wednesday.text or "")
    (offer,) = (await freed(talk)).offers  # Thursday's entry: its day did not change
    assert (offer.chat_id, offer.times[0]) == (on_wednesday, moscow(4, 10))

    with as_user(talk, OWNER):
        month = only(await talk.tap(await owner_week(talk), "Отдельные даты"))
        thursday = only(await talk.tap(month, "5"))
        only(await talk.tap(thursday, "Другие часы в этот день"))
        thursday = only(await talk.send("12:00-18:00"))
    assert "12:00–18:00" in (thursday.text or "")
    (offer,) = (await freed(talk)).offers
    assert (offer.chat_id, offer.times[0]) == (on_thursday, moscow(5, 16))
    assert all(t >= moscow(5, 15) for t in offer.times)  # only around the opened 16:00-18:00


async def test_an_offer_booked_through_the_contact_step_fulfils_the_entry(talk: Talk) -> None:
    menu = only(await talk.send("/book"))  # a new customer: no name, no phone yet
    masters = only(await talk.tap(menu, "Стрижка"))
    calendar = only(await talk.tap(masters, "Мастер"))
    times = only(await talk.tap(calendar, "3"))
    ask = only(await talk.tap(times, "Нет подходящего времени? Лист ожидания"))
    only(await talk.tap(ask, "Только Вт, 3 июня"))
    (waiting,) = await talk.sql("SELECT id FROM slot_waitlist")

    _, ids_ = await ids(talk)
    holder = BASE + 50
    await booked(talk, holder, ids_["Мастер"], moscow(3, 12))
    await cancel_in_bot(talk, holder)
    event = await freed(talk)

    offer = await offer_message(talk, event, talk.user)
    intro, _ = await talk.tap(offer, "Записаться на 12:00")
    assert "Осталось оставить имя и телефон" in (intro.text or "")
    only(await talk.send("Ольга"))
    _, summary = await talk.send("8 (912) 345-67-89")
    assert "Когда: Вт, 3 июня, 12:00" in (summary.text or "")
    done = only(await talk.tap(summary, "Подтвердить"))
    assert (done.text or "").startswith("Готово, вы записаны!")

    (made,) = await talk.sql(
        "SELECT id FROM bookings WHERE status = 'confirmed' AND starts_at = $1", moscow(3, 12)
    )
    (row,) = await talk.sql(
        "SELECT fulfilled_at, booking_id FROM slot_waitlist WHERE id = $1", waiting["id"]
    )
    assert row["fulfilled_at"] is not None
    assert row["booking_id"] == made["id"]
