"""The owner's own texts, through the bot: the greeting in Russian and English on /start, a
refused placeholder (nothing saved), the preview, «Сбросить», the booking confirmation, and the
reminder and review request that notifier sends in the owner's words (its dispatcher, the
emulator, a clock the test holds).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import msgspec
import pytest
import pytest_asyncio
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

from devstack.infra import LocalInfra
from sandbox.telegram.models import ChatMessage, SandboxBot
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.use_cases import BookingNotes, LateReminders
from services.notifier.use_cases.texts import LOCALES, Texts
from shared.messages import BookingCreated
from tests.conftest import RUN_ID
from tests.support.notifier_rig import MovableClock, Rig, open_rig, stop
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def rig(infra: LocalInfra, database_server_url: str) -> AsyncIterator[Rig]:
    async with open_rig(infra, database_server_url, f"bookbots_test_{RUN_ID}_texts") as rig:
        yield rig


async def open_text(talk: Talk, kind: str, language: str = "") -> ChatMessage:
    """The owner's screen of one text (in `language`, a button label, if not the business's)."""
    talk.user = OWNER
    home = only(await talk.send("/admin"))
    texts = only(await talk.tap(home, "✏️ Тексты бота"))
    screen = only(await talk.tap(texts, kind))
    if language:
        screen = only(await talk.tap(screen, language))
    return screen


async def write(talk: Talk, screen: ChatMessage, body: str) -> ChatMessage:
    """«Написать свой текст», the text: the preview (or the refusal)."""
    only(await talk.tap(screen, "✏️ Написать свой текст"))
    return only(await talk.send(body))


async def set_text(talk: Talk, kind: str, body: str, language: str = "") -> ChatMessage:
    preview = await write(talk, await open_text(talk, kind, language), body)
    return only(await talk.tap(preview, "💾 Сохранить"))


async def audit_rows(talk: Talk) -> list[tuple[str, str, object, object]]:
    rows = await talk.sql(
        "SELECT action, target, before, after FROM audit_log WHERE action LIKE 'text.%' ORDER BY id"
    )

    def value(text: str | None) -> object:
        return None if text is None else msgspec.json.decode(text)

    return [(r["action"], r["target"], value(r["before"]), value(r["after"])) for r in rows]


async def test_the_owner_rewords_the_greeting_in_russian_and_english(talk: Talk) -> None:
    customer = talk.user
    screen = await open_text(talk, "Приветствие (/start)")
    text = screen.text or ""
    assert text.startswith("Приветствие (/start) · Русский")
    assert "Сейчас — стандартный текст:\nЗдравствуйте! Это бот записи «{business}»." in text
    assert "{name} — имя клиента" in text
    assert "{service}" not in text  # the greeting has no service
    assert screen.button_texts == ["✏️ Написать свой текст", "English", "‹ Назад"]

    preview = await write(talk, screen, "Привет, {name}! Это «{business}», мы на {address}.")
    assert preview.text == (
        "👀 Предпросмотр — так увидит клиент (вместо меток — примеры; кнопки меню останутся):"
        "\n\nПривет, Анна! Это «Салон Анна», мы на ул. Ленина, 1."
    )
    assert preview.button_texts == ["💾 Сохранить", "✏️ Написать иначе", "Отмена"]
    assert await talk.sql("SELECT * FROM custom_texts") == []  # a preview saves nothing
    saved = only(await talk.tap(preview, "💾 Сохранить"))
    assert (saved.text or "").startswith("✅ Текст сохранён.")
    assert "Сейчас — ваш текст:\nПривет, {name}! Это «{business}», мы на {address}." in (
        saved.text or ""
    )
    assert "↩️ Сбросить" in saved.button_texts

    english = only(await talk.tap(saved, "English"))
    assert (english.text or "").startswith("Приветствие (/start) · English")
    assert "Сейчас — стандартный текст:\nHello! This is the booking bot" in (english.text or "")
    preview = await write(talk, english, "Hi {name}, welcome to {business} <3")
    assert (preview.text or "").endswith("Hi Anna, welcome to Салон Анна <3")
    only(await talk.tap(preview, "💾 Сохранить"))

    talk.user = customer
    welcome = only(await talk.send("/start"))
    assert welcome.text == "Привет, Ольга! Это «Салон Анна», мы на ул. Ленина, 1."
    assert welcome.button_texts == ["📅 Записаться", "🗂 Мои записи", "ℹ️ О нас"]
    welcome = only(await talk.send("/start", lang="en"))
    assert welcome.text == "Hi Ольга, welcome to Салон Анна <3"  # plain text, escaped as HTML
    assert welcome.button_texts[0] == "📅 Book"

    assert await audit_rows(talk) == [
        ("text.edit", "greeting:ru", None, "Привет, {name}! Это «{business}», мы на {address}."),
        ("text.edit", "greeting:en", None, "Hi {name}, welcome to {business} <3"),
    ]


async def test_a_text_that_cannot_be_sent_is_refused_and_nothing_is_saved(talk: Talk) -> None:
    screen = await open_text(talk, "Приветствие (/start)")
    refused = await write(talk, screen, "Ваша запись: {service}")
    assert refused.text == (
        "Метка {service} не подходит для этого текста. Здесь можно: {name}, {business},"
        " {address}, {phone}. Ничего не сохранено."
    )
    refused = only(await talk.send("Привет, {nmae}!"))
    assert refused.text == (
        "Неизвестная метка {nmae}. Здесь можно: {name}, {business}, {address}, {phone}."
        " Ничего не сохранено."
    )
    refused = only(await talk.send("Привет, {name!"))
    assert (refused.text or "").startswith("Непарная фигурная скобка.")
    assert "удвойте её: {{ или }}" in (refused.text or "")

    about = await open_text(talk, "О нас")
    long = ("Мы лучшие. " * 280).strip()  # «О нас» leaves room for the hours and prices
    refused = await write(talk, about, long)
    assert refused.text == (
        "Текст слишком длинный: 3079 символов вместе с подставленными значениями,"
        " а Telegram позволяет здесь не больше 3000. Ничего не сохранено."
    )
    assert await talk.sql("SELECT * FROM custom_texts") == []
    assert await audit_rows(talk) == []
    # the question is still open: a good text now gets its preview
    preview = only(await talk.send("«{business}» — с 2010 года. Звоните: {phone}"))
    assert (preview.text or "").endswith("«Салон Анна» — с 2010 года. Звоните: +7 495 000-00-00")

    talk.user = 700_000_002  # an administrator, not the owner: no texts for them
    await talk.sql(
        "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Админ', 'admin')",
        talk.user,
    )
    home = only(await talk.send("/admin"))
    assert "✏️ Тексты бота" not in home.button_texts
    await talk.press(home, "tx:list::ru", force=True)
    assert await talk.last_answer() == "Это недоступно для вашей роли."


async def test_reset_brings_back_the_shipped_text(talk: Talk) -> None:
    customer = talk.user
    await set_text(talk, "О нас", "«{business}» — уютный салон у метро. {address}")
    talk.user = customer
    about = only(await talk.send("/about"))
    text = about.text or ""
    assert text.startswith("«Салон Анна» — уютный салон у метро. ул. Ленина, 1\n\n")
    assert "🕒 Часы работы:" in text  # the hours and prices still follow
    assert "📍 Адрес:" not in text

    screen = await open_text(talk, "О нас")
    sure = only(await talk.tap(screen, "↩️ Сбросить"))
    assert (sure.text or "").startswith("Вернуть стандартный текст «О нас» (Русский)?")
    back = only(await talk.tap(sure, "↩️ Да, вернуть стандартный"))
    assert (back.text or "").startswith("↩️ Вернули стандартный текст.")
    assert "Сейчас — стандартный текст:" in (back.text or "")
    assert "↩️ Сбросить" not in back.button_texts
    assert await talk.sql("SELECT * FROM custom_texts") == []

    talk.user = customer
    about = only(await talk.send("/about"))
    assert (about.text or "").startswith("Салон Анна\n\n📍 Адрес: ул. Ленина, 1")
    assert await audit_rows(talk) == [
        ("text.edit", "about:ru", None, "«{business}» — уютный салон у метро. {address}"),
        ("text.reset", "about:ru", "«{business}» — уютный салон у метро. {address}", None),
    ]


async def test_the_confirmation_reminder_and_review_request_use_the_owners_words(
    talk: Talk, rig: Rig
) -> None:
    customer = talk.user
    await set_text(
        talk,
        "Подтверждение записи",
        "{name}, вы записаны: {service}, {time}, мастер {master}. Адрес: {address}.",
    )
    screen = await open_text(talk, "Напоминание о визите")
    preview = await write(talk, screen, "{name}, ждём вас {time} в «{business}»!")
    assert (preview.text or "").endswith("Анна, ждём вас 5 июня (пт) в 14:30 в «Салон Анна»!")
    assert "кнопки «Подтвердить», «Перенести», «Отменить» останутся" in (preview.text or "")
    only(await talk.tap(preview, "💾 Сохранить"))
    await set_text(talk, "Просьба об отзыве", "{name}, как вам {service} у {master}?")

    talk.user = customer
    await existing_booking(talk, moscow(4, 12))  # name and phone known: no contact step
    summary = await book_through_buttons(talk, day=3, time="10:00")
    done = only(await talk.tap(summary, "Подтвердить"))
    assert done.text == (
        "Ольга, вы записаны: Стрижка, Вт, 3 июня, 10:00, мастер Мастер. Адрес: ул. Ленина, 1."
    )
    assert done.button_texts == ["🗂 Мои записи", "🏠 В меню"]
    event = msgspec.json.decode((await talk.event("created")).data, type=BookingCreated)
    assert event.reminder_text == "{name}, ждём вас {time} в «{business}»!"
    assert event.review_text == "{name}, как вам {service} у {master}?"

    # notifier, on its own database and bot: the reminder and the review request go out
    tenant_id, bot = await rig.tenant()
    chat = 74_001
    await rig.telegram.send_text(bot, chat, "/start")
    theirs = msgspec.structs.replace(
        event, tenant_id=tenant_id, customer_chat_id=chat, admin_chat_ids=()
    )
    clock = MovableClock(NOW)
    texts = Texts.load(LOCALES)
    notes = BookingNotes(store=PgDeliveries(rig.pool), texts=texts, clock=FixedClock(NOW))
    assert await notes.on_created(theirs) == 3  # two reminders and the review request
    clock.at = moscow(3, 8, 5)  # the 2 h reminder is due (the visit is at 10:00)
    late = LateReminders(texts, timedelta(minutes=15))
    task = asyncio.create_task(rig.dispatcher(clock=clock, late=late).run())
    try:
        sent = await sent_to(rig, bot, chat, 2)  # the 24 h and the 2 h reminder (late, as is)
        for message in sent:
            assert message.text == "Ольга, ждём вас 3 июня (вт) в 10:00 в «Салон Анна»!"
            assert message.button_texts == ["Подтвердить", "Перенести", "Отменить"]
        clock.at = moscow(3, 13, 5)  # two hours after the visit
        review = (await sent_to(rig, bot, chat, 3))[-1]
        assert review.text == "Ольга, как вам Стрижка у Мастер?"
        assert review.button_texts == [f"{n} ⭐" for n in range(1, 6)]
    finally:
        await stop(task)


async def sent_to(rig: Rig, bot: SandboxBot, chat: int, count: int) -> list[ChatMessage]:
    """The bot's messages in `chat`, once there are `count`."""
    mine: list[ChatMessage] = []

    async def arrived() -> bool:
        view = await rig.telegram.chat(bot, chat)
        mine[:] = [m for m in view.messages if m.from_bot]
        return len(mine) >= count

    await until(arrived, 15, f"{count} messages from notifier")
    return mine
