"""Language and time zone, end to end: the owner changes the business's zone (every booking
keeps its instant, and the bot says so) and language; a customer whose Telegram speaks English
books in a Russian business and notifier words their reminders and review request in English,
while the staff alert stays in the business's Russian.
"""

from __future__ import annotations

import msgspec
import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    NOW,
    OWNER,
    FixedClock,
    Talk,
    existing_booking,
    moscow,
    only,
    shared_infra,
    talk,
)

from sandbox.telegram.models import ChatMessage
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.use_cases import BookingNotes
from services.notifier.use_cases.texts import LOCALES, Texts
from shared.messages import BookingCreated, BusinessRezoned
from tests.support.owner import as_user

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]


async def tap_data(talk: Talk, message: ChatMessage, prefix: str, text: str = "") -> ChatMessage:
    """Press the first button whose callback data starts with `prefix` (and labelled `text`)."""
    for row in message.buttons:
        for button in row:
            data = button.callback_data or ""
            if data.startswith(prefix) and (not text or button.text == text):
                return (await talk.press(message, data))[-1]
    raise AssertionError(f"no {prefix!r} button in {message.button_texts}")


async def test_a_zone_change_keeps_every_booking_instant_and_says_so(talk: Talk, pg_pool) -> None:
    booking = await existing_booking(talk, moscow(3, 10))
    notes = BookingNotes(
        store=PgDeliveries(pg_pool), texts=Texts.load(LOCALES), clock=FixedClock(NOW)
    )
    await notes.on_created(  # notifier holds the booking's reminders, worded in Moscow time
        BookingCreated(
            tenant_id=talk.tenant_id,
            booking_id=booking,
            customer_chat_id=talk.user,
            customer_name="Ольга",
            customer_phone="+79120000000",
            service_name="Стрижка",
            master_name="Мастер",
            starts_at=moscow(3, 10),
            ends_at=moscow(3, 11),
            timezone="Europe/Moscow",
        )
    )
    customer, talk.user = talk.user, OWNER
    home = only(await talk.send("/admin"))
    screen = only(await talk.tap(home, "Язык и время"))
    assert "Часовой пояс: Europe/Moscow" in (screen.text or "")
    zones = only(await talk.tap(screen, "Сменить часовой пояс"))
    changed = only(await talk.tap(zones, "Asia/Yekaterinburg"))
    text = changed.text or ""
    assert "Часовой пояс: Europe/Moscow → Asia/Yekaterinburg." in text
    assert "Записи не сдвинулись" in text
    assert "Вт, 3 июня, 10:00 по старому поясу = Вт, 3 июня, 12:00 по новому" in text

    (row,) = await talk.sql("SELECT starts_at FROM bookings WHERE id = $1", booking)
    assert row["starts_at"] == moscow(3, 10)  # the same instant
    (business,) = await talk.sql("SELECT timezone FROM business")
    assert business["timezone"] == "Asia/Yekaterinburg"
    rezoned = msgspec.json.decode((await talk.event("rezoned")).data, type=BusinessRezoned)
    assert (rezoned.old_timezone, rezoned.timezone) == ("Europe/Moscow", "Asia/Yekaterinburg")
    assert await notes.on_rezoned(rezoned) == 2  # the 24 h and the 2 h reminders
    reminders = await pg_pool.fetch(
        "SELECT text, starts_at FROM notifier.deliveries"
        " WHERE tenant_id = $1 AND kind = 'reminder' AND status = 'pending'",
        talk.tenant_id,
    )
    assert len(reminders) == 2
    for reminder in reminders:
        assert "12:00" in reminder["text"]
        assert "10:00" not in reminder["text"]
        assert reminder["starts_at"] == moscow(3, 10)

    zones = only(await talk.tap(changed, "Сменить часовой пояс"))
    only(await talk.tap(zones, "Написать название"))
    refused = only(await talk.send("Mars/Olympus"))
    assert refused.text == "Не знаю такого часового пояса. Пишите так: Europe/Moscow."
    again = only(await talk.send("asia/novosibirsk"))
    assert "Asia/Yekaterinburg → Asia/Novosibirsk" in (again.text or "")

    talk.user = customer
    mine = only(await talk.send("/my"))
    assert "Вт, 3 июня, 14:00" in (mine.text or "")  # 10:00 Moscow is 14:00 in Novosibirsk


async def test_the_owner_switches_the_business_language(talk: Talk) -> None:
    talk.user = OWNER
    home = only(await talk.send("/admin"))
    screen = only(await talk.tap(home, "Язык и время"))
    assert "Язык: Русский" in (screen.text or "")
    english = only(await talk.tap(screen, "English"))
    assert (english.text or "").startswith("✅ Язык сохранён.")
    assert "Язык: English" in (english.text or "")
    (business,) = await talk.sql("SELECT locale FROM business")
    assert business["locale"] == "en"
    await talk.press(english, "azl:de:0", force=True)  # a made-up language: refused
    assert (await talk.sql("SELECT locale FROM business"))[0]["locale"] == "en"


async def test_a_master_cannot_change_the_zone(talk: Talk) -> None:
    await talk.sql(
        "INSERT INTO staff_members (telegram_id, name, role, master_id)"
        " SELECT $1, 'Мастер', 'master', min(id) FROM masters",
        talk.user,
    )
    home = only(await talk.send("/admin"))
    assert "🌐 Язык и время" not in home.button_texts
    assert "⭐ Отзывы" in home.button_texts
    await talk.press(home, "azl:zone:1", force=True)
    assert await talk.last_answer() == "Это недоступно для вашей роли."
    (business,) = await talk.sql("SELECT timezone FROM business")
    assert business["timezone"] == "Europe/Moscow"


async def test_an_english_customer_gets_english_reminders_from_a_russian_business(
    talk: Talk, pg_pool
) -> None:
    await existing_booking(talk, moscow(4, 12))  # name and phone known: no contact step
    welcome = only(await talk.send("/start", lang="en"))
    assert welcome.button_texts[0] == "📅 Book"  # the bot sees the customer's language
    services = await tap_data(talk, welcome, "menu:book")
    masters = await tap_data(talk, services, "bs:")
    calendar = await tap_data(talk, masters, "bm:")
    times = await tap_data(talk, calendar, "bd:", "3")
    summary = await tap_data(talk, times, "bt:", "10:00")
    await tap_data(talk, summary, "bk:")
    event = msgspec.json.decode((await talk.event("created")).data, type=BookingCreated)
    assert (event.locale, event.customer_locale) == ("ru", "en")

    notes = BookingNotes(
        store=PgDeliveries(pg_pool), texts=Texts.load(LOCALES), clock=FixedClock(NOW)
    )
    await notes.on_created(event)
    rows = await pg_pool.fetch(
        "SELECT kind, chat_id, text FROM notifier.deliveries WHERE tenant_id = $1 ORDER BY due_at",
        talk.tenant_id,
    )
    texts = {row["kind"]: row["text"] for row in rows if row["chat_id"] == talk.user}
    assert texts["reminder"].startswith("⏰ A reminder: your visit is in")
    assert "Tue, 3 June at 10:00" in texts["reminder"]
    assert texts["review"].startswith("Thank you for visiting!")
    alerts = [row["text"] for row in rows if row["chat_id"] == OWNER]
    assert len(alerts) == 1
    assert alerts[0].startswith("🆕 <b>Новая запись</b>")  # the staff's language


async def test_an_unknown_customer_language_falls_back_to_the_business_language() -> None:
    texts = Texts.load(LOCALES)
    assert texts.first("de", "en").code == "en"
    assert texts.first("", "ru").code == "ru"
    assert texts.first("en", "ru").code == "en"
    assert texts.first("xx", "yy").code == "ru"


async def test_a_customer_in_an_unshipped_language_reads_the_business_language(
    talk: Talk,
) -> None:
    """German is not shipped: the customer reads the business's language (English once the
    owner picks it), not Russian; a Russian customer of the same business still reads Russian.
    The owner's switch back to Russian reaches that customer at once, though the business's
    language is no longer read from the database on every update."""
    customer = talk.user
    welcome = only(await talk.send("/start", lang="de"))
    assert welcome.button_texts[0] == "📅 Записаться"  # the business's Russian, now kept

    with as_user(talk, OWNER):
        screen = only(await talk.tap(only(await talk.send("/admin")), "Язык и время"))
        english = only(await talk.tap(screen, "English"))
    assert talk.user == customer
    welcome = only(await talk.send("/start", lang="de"))
    assert welcome.button_texts[0] == "📅 Book"
    with as_user(talk, customer + 1):
        russian = only(await talk.send("/start", lang="ru"))
    assert russian.button_texts[0] == "📅 Записаться"
    no_language = only(await talk.send("/start", lang=""))
    assert no_language.button_texts[0] == "📅 Book"

    with as_user(talk, OWNER):
        russian_again = only(await talk.tap(english, "Русский"))
    assert "Язык: Русский" in (russian_again.text or "")
    welcome = only(await talk.send("/start", lang="de"))
    assert welcome.button_texts[0] == "📅 Записаться"
