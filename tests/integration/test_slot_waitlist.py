"""The waitlist for freed time through the Telegram emulator, the booking dispatcher, real
Postgres, Redis and NATS (the harness of `test_booking_conversation`): joining from the times
screen and leaving, which entries a freed time is offered to (master, any master, days,
expiry), the offer's one tap (the constraint decides a race, the losers keep their entries),
a move away that frees time, and tampered offer buttons.

The clock is Monday 2 June 2031, 09:00 Moscow; «Стрижка» is 60 minutes, masters work
Mon-Sat 10:00-20:00 (`owner_catalog`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import msgspec
import pytest
from aiogram.types import InlineKeyboardMarkup, Update
from owner_catalog import make_catalog
from test_booking_admin import as_user
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    NOW,
    OWNER,
    Talk,
    moscow,
    only,
    shared_infra,
    talk,
)

from sandbox.telegram.models import ChatMessage
from services.booking.adapters import booking_repo
from services.notifier.use_cases.slot_offers import offer_rows
from services.notifier.use_cases.texts import LOCALES as NOTIFIER_LOCALES
from services.notifier.use_cases.texts import Texts
from shared.db import tenant_tx
from shared.messages import SlotFreed
from shared.redis_keys import current_tenant

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

BASE = 810_000_000


def end_of(day: int) -> datetime:
    """Midnight after a June 2031 day in Moscow (21:00 UTC)."""
    return datetime(2031, 6, day, 21, tzinfo=UTC)


async def customer(talk: Talk, telegram_id: int, name: str) -> int:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        found = await booking_repo.upsert_customer(
            conn, telegram_id=telegram_id, name=name, phone=f"+7912{telegram_id % 10**7:07d}"
        )
    return found.id


async def ids(talk: Talk) -> tuple[int, dict[str, int]]:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        service = await conn.fetchval("SELECT id FROM services WHERE name = 'Стрижка'")
        masters = {r["name"]: r["id"] for r in await conn.fetch("SELECT id, name FROM masters")}
    return service, masters


async def entry(
    talk: Talk,
    customer_id: int,
    master_id: int | None,
    first: int,
    last: int,
    *,
    expires_at: datetime | None = None,
) -> int:
    """An entry as joining makes it: days of June 2031, expiring at the end of the last."""
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        service = await conn.fetchval("SELECT id FROM services WHERE name = 'Стрижка'")
        return await conn.fetchval(
            "INSERT INTO slot_waitlist"
            " (customer_id, service_id, master_id, first_day, last_day, expires_at)"
            " VALUES ($1, $2, $3, make_date(2031, 6, $4), make_date(2031, 6, $5), $6)"
            " RETURNING id",
            customer_id,
            service,
            master_id,
            first,
            last,
            expires_at or end_of(last),
        )


async def booked(talk: Talk, telegram_id: int, master_id: int, starts_at: datetime) -> int:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        who = await booking_repo.upsert_customer(
            conn, telegram_id=telegram_id, name="Пётр", phone="+79120000001"
        )
        service = await conn.fetchval("SELECT id FROM services WHERE name = 'Стрижка'")
        made = await booking_repo.create_booking(
            conn,
            customer_id=who.id,
            service_id=service,
            master_id=master_id,
            starts_at=starts_at,
            actor="customer",
        )
    return made.id


async def cancel_in_bot(talk: Talk, telegram_id: int) -> None:
    with as_user(talk, telegram_id):
        mine = only(await talk.send("/my", user=telegram_id))
        ask = only(await talk.tap(mine, "Отменить 1"))
        done = only(await talk.tap(ask, "Да, отменить"))
    assert "Запись отменена" in (done.text or "")


async def freed(talk: Talk) -> SlotFreed:
    return msgspec.json.decode((await talk.event("slotfreed")).data, type=SlotFreed)


async def offer_message(talk: Talk, event: SlotFreed, telegram_id: int):
    """The offer as notifier words it (its own rows), delivered in the customer's chat."""
    texts = Texts.load(NOTIFIER_LOCALES)
    (row,) = [r for r in offer_rows(event, texts, NOW) if r.chat_id == telegram_id]
    with as_user(talk, telegram_id):
        return await talk.notify(row.text, InlineKeyboardMarkup.model_validate(row.reply_markup))


async def open_entries(talk: Talk) -> set[int]:
    rows = await talk.sql("SELECT id FROM slot_waitlist WHERE fulfilled_at IS NULL")
    return {r["id"] for r in rows}


async def tap_at_once(talk: Talk, taps: list[tuple[int, ChatMessage, str]]) -> dict[int, str]:
    """Several customers press at the same moment: the updates are fed to the dispatcher
    concurrently; each customer's last bot message after it."""
    for user, message, label in taps:
        data = message.button(label).callback_data or ""
        await talk.shared.client.press(talk.sandbox_bot, user, message.message_id, data)
    updates = await talk.bot.get_updates(offset=talk.offset, timeout=0)
    talk.offset = updates[-1].update_id + 1

    async def feed(update: Update) -> None:
        token = current_tenant.set(talk.tenant_id)
        try:
            await talk.dispatcher.feed_update(talk.bot, update, tenant=talk.tenant, deps=talk.deps)
        finally:
            current_tenant.reset(token)

    async with asyncio.timeout(30):
        await asyncio.gather(*(feed(u) for u in updates))
    last = {}
    for user, _, _ in taps:
        view = await talk.shared.client.chat(talk.sandbox_bot, user)
        last[user] = [m.text or "" for m in view.messages if m.from_bot][-1]
    return last


async def test_a_customer_joins_from_the_times_sees_the_entry_and_leaves(talk: Talk) -> None:
    menu = only(await talk.send("/book"))
    masters = only(await talk.tap(menu, "Стрижка"))
    calendar = only(await talk.tap(masters, "Мастер"))
    assert "🕓 Нет подходящего времени? Лист ожидания" in calendar.button_texts
    times = only(await talk.tap(calendar, "3"))
    ask = only(await talk.tap(times, "Нет подходящего времени? Лист ожидания"))
    assert "Лист ожидания" in (ask.text or "")
    assert ask.button_texts[:4] == ["Только Вт, 3 июня", "3 дня", "Неделя", "2 недели"]
    joined = only(await talk.tap(ask, "Только Вт, 3 июня"))
    assert "Вы в листе ожидания" in (joined.text or "")
    assert "Стрижка, Мастер\nВт, 3 июня" in (joined.text or "")
    (row,) = await talk.sql("SELECT first_day, last_day, expires_at, master_id FROM slot_waitlist")
    assert (row["first_day"].day, row["last_day"].day) == (3, 3)
    assert row["expires_at"] == end_of(3)  # the end of the last day, in the business's zone
    assert row["master_id"] is not None

    join_data = ask.button("Только Вт, 3 июня").callback_data or ""
    again = only(await talk.press(joined, join_data, force=True))  # a double tap: one entry
    assert "уже в листе ожидания" in (again.text or "")

    with as_user(talk, OWNER):  # the owner's view of the day
        home = only(await talk.send("/admin"))
        today = only(await talk.tap(home, "Лист ожидания"))
        assert "На этот день никто не ждёт" in (today.text or "")
        tuesday = only(await talk.tap(today, "›"))
    assert "Лист ожидания</b> · Вт, 3 июня" in (tuesday.text or "") or "Вт, 3 июня" in (
        tuesday.text or ""
    )
    assert "Стрижка, Мастер · Вт, 3 июня" in (tuesday.text or "")

    week = only(await talk.send("/my"))
    mine = only(await talk.tap(week, "Мой лист ожидания"))
    assert "1. Стрижка, Мастер\nВт, 3 июня" in (mine.text or "")
    left = only(await talk.tap(mine, "Убрать 1"))
    assert "не стоите в листе ожидания" in (left.text or "")
    assert await talk.sql("SELECT id FROM slot_waitlist") == []


async def test_a_cancel_is_offered_to_matching_entries_only_and_the_first_tap_wins(
    talk: Talk,
) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина", "Олег"))
    _, masters = await ids(talk)
    irina, oleg = masters["Ирина"], masters["Олег"]
    users = {
        name: BASE + n
        for n, name in enumerate(["any", "irina", "oleg", "later", "expired", "second"])
    }
    people = {name: await customer(talk, tid, name) for name, tid in users.items()}
    entries = {
        "any": await entry(talk, people["any"], None, 3, 5),
        "irina": await entry(talk, people["irina"], irina, 3, 3),
        "oleg": await entry(talk, people["oleg"], oleg, 3, 3),  # another master
        "later": await entry(talk, people["later"], None, 4, 6),  # other days
        "expired": await entry(talk, people["expired"], None, 3, 3, expires_at=NOW),
        "second": await entry(talk, people["second"], irina, 2, 4),
    }
    holder = BASE + 50
    await booked(talk, holder, irina, moscow(3, 12))
    await cancel_in_bot(talk, holder)

    event = await freed(talk)
    offered = {o.chat_id: o for o in event.offers}
    assert set(offered) == {users["any"], users["irina"], users["second"]}
    first = offered[users["irina"]]
    assert (first.master_name, first.service_name) == ("Ирина", "Стрижка")
    assert first.times[0] == moscow(3, 12)

    # three customers tap «Записаться на 12:00» at once: one booking, two "taken"
    winners = ("any", "irina", "second")
    offers = [await offer_message(talk, event, users[name]) for name in winners]
    screens = await tap_at_once(
        talk, [(users[n], o, "Записаться на 12:00") for n, o in zip(winners, offers, strict=True)]
    )
    said = {n: screens[users[n]] for n in winners}
    assert sum(t.startswith("Готово, вы записаны!") for t in said.values()) == 1, said
    assert sum("уже заняли" in t for t in said.values()) == 2, said
    won = next(n for n, t in said.items() if t.startswith("Готово"))
    rows = await talk.sql(
        "SELECT customer_id FROM bookings WHERE status = 'confirmed' AND starts_at = $1",
        moscow(3, 12),
    )
    assert len(rows) == 1
    still_open = await open_entries(talk)
    assert entries[won] not in still_open
    assert {entries[n] for n in winners if n != won} <= still_open
    (fulfilled,) = await talk.sql(
        "SELECT booking_id FROM slot_waitlist WHERE fulfilled_at IS NOT NULL"
    )
    assert fulfilled["booking_id"] is not None


async def test_an_offer_is_booked_in_one_tap_and_a_loser_is_told_politely(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина",))
    _, masters = await ids(talk)
    irina = masters["Ирина"]
    first, second = BASE + 100, BASE + 101
    entries = [
        await entry(talk, await customer(talk, u, "Вера"), None, 3, 3) for u in (first, second)
    ]
    holder = BASE + 150
    await booked(talk, holder, irina, moscow(3, 15))
    await cancel_in_bot(talk, holder)
    event = await freed(talk)

    offer = await offer_message(talk, event, first)
    assert "Освободилось время" in (offer.text or "")
    assert "3 июня (вт) в 15:00" in (offer.text or "")
    assert offer.button_texts[0] == "Записаться на 15:00"
    late = await offer_message(talk, event, second)
    with as_user(talk, first):
        done = only(await talk.tap(offer, "Записаться на 15:00"))
    assert (done.text or "").startswith("Готово, вы записаны!")
    with as_user(talk, second):
        refused = only(await talk.tap(late, "Записаться на 15:00"))
    assert "уже заняли" in (refused.text or "")
    assert await open_entries(talk) == {entries[1]}

    # tampered buttons: someone else's entry, a made-up one, a time outside the entry's days
    for data in (
        f"wlo:{entries[0]}:{irina}:{int(moscow(3, 16).timestamp()) // 60}",
        f"wlo:999999:{irina}:{int(moscow(3, 16).timestamp()) // 60}",
        f"wlo:{entries[1]}:{irina}:{int(moscow(5, 16).timestamp()) // 60}",
        f"wlo:{entries[1]}:0:garbage",
    ):
        with as_user(talk, second):
            await talk.press(late, data, force=True)
            answer = await talk.last_answer() or ""
        assert "больше не действует" in answer or "кнопка устарела" in answer, data
    rows = await talk.sql("SELECT count(*) AS n FROM bookings WHERE status = 'confirmed'")
    assert rows[0]["n"] == 1
    assert await open_entries(talk) == {entries[1]}


async def test_a_move_away_offers_the_old_time(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина",))
    _, masters = await ids(talk)
    waiting = BASE + 200
    await entry(talk, await customer(talk, waiting, "Нина"), masters["Ирина"], 4, 4)
    mover = BASE + 250
    await booked(talk, mover, masters["Ирина"], moscow(4, 11))
    with as_user(talk, mover):
        mine = only(await talk.send("/my", user=mover))
        calendar = only(await talk.tap(mine, "Перенести 1"))
        times = only(await talk.tap(calendar, "5"))
        ask = only(await talk.tap(times, "11:00"))
        done = only(await talk.tap(ask, "Подтвердить"))
    assert "перенесена" in (done.text or "")
    event = await freed(talk)
    (offer,) = event.offers
    assert (offer.chat_id, offer.times[0]) == (waiting, moscow(4, 11))
    assert event.timezone == "Europe/Moscow"
