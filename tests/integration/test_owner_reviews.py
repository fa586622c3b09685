"""Reviews the owner sees, end to end: the list with stars and comments and the averages (a
master sees only their own); no review request after a no-show or a staff cancel; the
business's review delay decides when notifier asks."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    NOW,
    OWNER,
    FixedClock,
    Talk,
    book_through_buttons,
    existing_booking,
    moscow,
    only,
    shared_infra,
    talk,
)

from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.use_cases import BookingNotes
from services.notifier.use_cases.texts import LOCALES, Texts
from shared.messages import BookingCancelled, BookingCreated, BookingNoShow

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]


async def reviewed(talk: Talk, starts_at, stars: int, comment: str, *, user: int, name: str):
    booking = await existing_booking(talk, starts_at, telegram_id=user, name=name)
    await talk.sql("UPDATE bookings SET status = 'completed' WHERE id = $1", booking)
    await talk.sql(
        "INSERT INTO reviews (booking_id, customer_id, stars, comment)"
        " SELECT id, customer_id, $2, $3 FROM bookings WHERE id = $1",
        booking,
        stars,
        comment,
    )
    return booking


def notes(pg_pool, clock: FixedClock) -> BookingNotes:
    return BookingNotes(store=PgDeliveries(pg_pool), texts=Texts.load(LOCALES), clock=clock)


async def review_row(pg_pool, tenant_id: str, booking_id: int):
    return await pg_pool.fetchrow(
        "SELECT status, due_at FROM notifier.deliveries"
        " WHERE tenant_id = $1 AND ref = $2 AND kind = 'review'",
        tenant_id,
        str(booking_id),
    )


async def test_the_owner_sees_stars_comments_and_averages(talk: Talk) -> None:
    (irina,) = await talk.sql(
        "INSERT INTO masters (name, sort_order) VALUES ('Ирина', 20) RETURNING id"
    )
    await reviewed(talk, moscow(3, 10), 5, "Отлично <b>!</b>", user=501, name="Ольга")
    await reviewed(talk, moscow(3, 12), 3, "", user=502, name="Пётр")
    theirs = await reviewed(talk, moscow(3, 16), 5, "Хорошо", user=503, name="Вера")
    await talk.sql("UPDATE bookings SET master_id = $1 WHERE id = $2", irina["id"], theirs)

    customer, talk.user = talk.user, OWNER
    home = only(await talk.send("/admin"))
    listing = only(await talk.tap(home, "Отзывы"))
    text = listing.text or ""
    assert "В среднем: 4.3 из 5 (отзывов: 3)" in text
    assert "• Мастер — 4.0 (2)" in text
    assert "• Ирина — 5.0 (1)" in text
    assert "★★★★★ Вт, 3 июня · Мастер · Стрижка · Ольга" in text
    assert "«Отлично <b>!</b>»" in text  # shown as written, not as markup
    assert "★★★☆☆ Вт, 3 июня · Мастер · Стрижка · Пётр" in text
    assert text.index("Вера") < text.index("Пётр") < text.index("Ольга")  # newest first
    assert "через 2 ч после визита" in text

    # A master linked to «Мастер» sees only their own reviews and average.
    talk.user = customer
    await talk.sql(
        "INSERT INTO staff_members (telegram_id, name, role, master_id)"
        " SELECT $1, 'Мастер', 'master', id FROM masters WHERE name = 'Мастер'",
        customer,
    )
    home = only(await talk.send("/admin"))
    own = only(await talk.tap(home, "Отзывы"))
    assert "В среднем: 4.0 из 5 (отзывов: 2)" in (own.text or "")
    assert "Ирина" not in (own.text or "")
    assert "Вера" not in (own.text or "")


async def test_no_review_request_after_a_no_show_or_a_staff_cancel(talk: Talk, pg_pool) -> None:
    came_not = await existing_booking(talk, moscow(2, 10), telegram_id=601, name="Нина")
    cancelled = await existing_booking(talk, moscow(2, 12), telegram_id=602, name="Ян")
    clock = FixedClock(NOW)
    notifier = notes(pg_pool, clock)
    for booking, starts in ((came_not, moscow(2, 10)), (cancelled, moscow(2, 12))):
        await notifier.on_created(
            BookingCreated(
                tenant_id=talk.tenant_id,
                booking_id=booking,
                customer_chat_id=600 + booking,
                customer_name="Нина",
                customer_phone="+79120000000",
                service_name="Стрижка",
                master_name="Мастер",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                timezone="Europe/Moscow",
            )
        )
        assert (await review_row(pg_pool, talk.tenant_id, booking))["status"] == "pending"

    # The visit has begun: the owner marks it a no-show in the booking's card.
    talk.clock.value = moscow(2, 11)
    talk.user = OWNER
    home = only(await talk.send("/admin"))
    day = only(await talk.tap(home, "Записи на сегодня"))
    card = only(await talk.tap(day, "10:00–11:00 Стрижка"))
    marked = only(await talk.tap(card, "Не пришёл"))
    assert "не пришёл" in (marked.text or "").lower()
    event = msgspec.json.decode((await talk.event("noshow")).data, type=BookingNoShow)
    assert event.booking_id == came_not
    await notifier.on_no_show(event)
    assert (await review_row(pg_pool, talk.tenant_id, came_not))["status"] == "cancelled"

    await notifier.on_cancelled(
        BookingCancelled(
            tenant_id=talk.tenant_id,
            booking_id=cancelled,
            customer_chat_id=600 + cancelled,
            customer_name="Ян",
            service_name="Стрижка",
            master_name="Мастер",
            starts_at=moscow(2, 12),
            timezone="Europe/Moscow",
            cancelled_by="staff",
        )
    )
    assert (await review_row(pg_pool, talk.tenant_id, cancelled))["status"] == "cancelled"


async def test_the_review_delay_setting_is_honoured(talk: Talk, pg_pool) -> None:
    customer, talk.user = talk.user, OWNER
    home = only(await talk.send("/admin"))
    listing = only(await talk.tap(home, "Отзывы"))
    assert "Отзывов пока нет." in (listing.text or "")
    only(await talk.tap(listing, "Когда просить отзыв"))
    refused = only(await talk.send("завтра"))
    assert refused.text == "Не понял время. Пишите так: 90, 1:30 или 1ч 30м."
    saved = only(await talk.send("30"))
    assert (saved.text or "").startswith("✅ Сохранено")
    assert "через 30 мин после визита" in (saved.text or "")
    (business,) = await talk.sql("SELECT review_delay_min FROM business")
    assert business["review_delay_min"] == 30

    talk.user = customer
    await existing_booking(talk, moscow(4, 12))  # name and phone known
    summary = await book_through_buttons(talk, day=3, time="10:00")
    await talk.tap(summary, "Подтвердить")
    event = msgspec.json.decode((await talk.event("created")).data, type=BookingCreated)
    assert event.review_delay_min == 30
    await notes(pg_pool, FixedClock(NOW)).on_created(event)
    row = await review_row(pg_pool, talk.tenant_id, event.booking_id)
    assert row["due_at"] == moscow(3, 11) + timedelta(minutes=30)  # not the default 2 h
