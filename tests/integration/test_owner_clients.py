"""The client base through `/admin` in the Telegram emulator with real Postgres, Redis and NATS:
search and segments on a known data set, the card's figures against hand-computed ones,
blocking a customer from booking online, the CSV exports as documents, and refusals."""

from __future__ import annotations

import csv
import io

import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    book_through_buttons,
    only,
    shared_infra,
    talk,
)
from test_owner_clients_support import EVIL, OLGA_SPEND, known_base
from test_owner_phone_support import MASTER_USER, admin_home, as_user

from sandbox.telegram.models import ChatMessage
from shared.db import tenant_tx
from shared.i18n import rubles

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

BLOCKED_TEXT = (
    "К сожалению, онлайн-запись для вас недоступна. Пожалуйста, позвоните нам: +7 495 000-00-00."
)


def names(screen: ChatMessage) -> list[str]:
    """The customers on a list screen (the buttons before the paging/segment rows)."""
    return [
        b.text.split(" · ")[0]
        for row in screen.buttons
        for b in row
        if b.callback_data and b.callback_data.startswith("axc:v:")
    ]


async def clients_home(talk: Talk) -> ChatMessage:
    home = await admin_home(talk)
    return only(await talk.tap(home, "Клиенты"))


async def test_segments_search_and_pages_on_a_known_base(talk: Talk) -> None:
    await known_base(talk)
    with as_user(talk, OWNER):
        listed = await clients_home(talk)
        assert "Клиенты: Все — 6" in (listed.text or "")
        assert names(listed) == [EVIL, "Борис", "Вера", "Галина", "🚫 Дмитрий", "Ольга"]
        expected = {
            "Новые": [EVIL, "Вера", "Галина"],
            "Постоянные": ["Ольга"],
            "Пропавшие": ["Борис"],
            "Заблокированы": ["🚫 Дмитрий"],
        }
        for label, who in expected.items():
            listed = only(await talk.tap(listed, label))
            assert names(listed) == who, label
            assert f"·{label}·" in listed.button_texts

        asked = only(await talk.tap(listed, "Поиск"))
        assert "имя или часть телефона" in (asked.text or "")
        found = only(await talk.send("ольг"))
        assert names(found) == ["Ольга"]
        assert "Поиск «ольг» — найдено: 1" in (found.text or "")
        asked = only(await talk.tap(found, "Поиск"))
        found = only(await talk.send("8 913 000-00-01"))
        assert names(found) == ["Борис"]
        asked = only(await talk.tap(found, "Поиск"))
        found = only(await talk.send("0003"))
        assert names(found) == ["Галина"]
        asked = only(await talk.tap(found, "Поиск"))
        found = only(await talk.send("Никто"))
        assert names(found) == []
        assert "Никого не нашлось." in (found.text or "")

        async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
            await conn.execute(
                "INSERT INTO customers (name) "
                "SELECT 'Клиент ' || lpad(n::text, 2, '0') FROM generate_series(1, 10) AS n"
            )
        listed = only(await talk.tap(found, "Все"))
        assert "— 16" in (listed.text or "")
        assert "Страница 1 из 2" in (listed.text or "")
        first = names(listed)
        assert len(first) == 8
        second = only(await talk.tap(listed, "›"))
        assert "Страница 2 из 2" in (second.text or "")
        assert len(names(second)) == 8
        assert not set(first) & set(names(second))
        assert "›" not in second.button_texts


async def test_the_card_shows_hand_computed_figures_and_edits_note_and_tags(talk: Talk) -> None:
    people = await known_base(talk)
    with as_user(talk, OWNER):
        listed = await clients_home(talk)
        card = only(await talk.tap(listed, "Ольга"))
        text = card.text or ""
        assert "Телефон: +79120000000" in text
        assert "Визитов: 3 · отмен: 1 · не пришёл: 1" in text
        assert f"Потратил: {rubles(OLGA_SPEND)}" in text
        assert OLGA_SPEND == 420_000  # 1 500 + 1 200 (booked cheaper) + 1 500 ₽
        assert "Откуда пришёл: instagram" in text
        assert "Последний визит: Пн, 26 мая, 12:00" in text
        assert "Следующая запись: Ср, 4 июня, 12:00" in text
        assert "Чат с ботом: есть" in text

        asked = only(await talk.tap(card, "Метки"))
        assert "через запятую" in (asked.text or "")
        card = only(await talk.send("VIP, #аллергия vip"))
        assert "Метки сохранены." in (card.text or "")
        assert "Метки: vip, аллергия" in (card.text or "")
        asked = only(await talk.tap(card, "Заметка"))
        card = only(await talk.send("Любит кофе"))
        assert "Заметка: Любит кофе" in (card.text or "")
    (row,) = await talk.sql("SELECT note, tags FROM customers WHERE id = $1", people.olga)
    assert (row["note"], row["tags"]) == ("Любит кофе", ["vip", "аллергия"])


async def test_a_blocked_customer_cannot_book_online_and_can_after_unblock(talk: Talk) -> None:
    people = await known_base(talk)
    summary = await book_through_buttons(talk, day=3, time="10:00")  # before the block
    assert "Проверьте, пожалуйста, запись" in (summary.text or "")
    with as_user(talk, OWNER):
        listed = await clients_home(talk)
        card = only(await talk.tap(listed, "Ольга"))
        card = only(await talk.tap(card, "Закрыть запись через бота"))
        assert "больше не может записаться через бота" in (card.text or "")
        assert "🚫 Запись через бота закрыта" in (card.text or "")
        assert "✅ Открыть запись через бота" in card.button_texts
        (upcoming,) = await talk.sql(
            "SELECT id FROM bookings WHERE customer_id = $1 AND status = 'confirmed'", people.olga
        )
        booking_card = only(await talk.press(card, f"ab:v:{upcoming['id']}", force=True))
        assert "🚫 Запись через бота закрыта" in (booking_card.text or "")  # owner-a's card too
        assert "Визитов: 3" in (booking_card.text or "")

    before = await talk.sql(
        "SELECT count(*) AS n FROM bookings WHERE customer_id = $1", people.olga
    )
    await talk.tap(summary, "Подтвердить")  # the confirm in flight is refused too
    assert await talk.last_answer() == BLOCKED_TEXT
    welcome = only(await talk.send("/start"))
    await talk.tap(welcome, "Записаться")
    assert await talk.last_answer() == BLOCKED_TEXT
    after = await talk.sql("SELECT count(*) AS n FROM bookings WHERE customer_id = $1", people.olga)
    assert after[0]["n"] == before[0]["n"]

    with as_user(talk, OWNER):
        listed = await clients_home(talk)
        listed = only(await talk.tap(listed, "Заблокированы"))
        card = only(await talk.tap(listed, "Ольга"))
        card = only(await talk.tap(card, "Открыть запись через бота"))
        assert "снова может записываться" in (card.text or "")
    summary = await book_through_buttons(talk, day=3, time="10:00")
    done = only(await talk.tap(summary, "Подтвердить"))
    assert (done.text or "").startswith("Готово, вы записаны!")


async def test_csv_exports_are_excel_utf8_with_bom_and_formulas_neutralised(talk: Talk) -> None:
    await known_base(talk)
    with as_user(talk, OWNER):
        listed = await clients_home(talk)
        menu = only(await talk.tap(listed, "CSV"))
        assert "Выгрузка в CSV" in (menu.text or "")
        sent = only(await talk.tap(menu, "Все клиенты"))
        assert sent.document is not None
        assert sent.document.file_name == "customers-2031-06-02.csv"
        assert sent.caption == "Готово: строк — 6."
        raw = await talk.shared.client.file(sent.document.file_id)
        assert raw.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        header, rows = table[0], {r[1]: r for r in table[1:]}
        assert header[:3] == ["id", "name", "phone"]
        assert f"'{EVIL}" in rows
        assert EVIL not in rows
        olga = dict(zip(header, rows["Ольга"], strict=True))
        assert olga["phone"] == "'+79120000000"
        assert (olga["visits"], olga["cancels"], olga["no_shows"]) == ("3", "1", "1")
        assert olga["spend_rub"] == "4200.00"
        assert olga["last_visit"] == "2031-05-26 12:00"
        assert olga["next_visit"] == "2031-06-04 12:00"
        assert dict(zip(header, rows["Дмитрий"], strict=True))["blocked"] == "yes"

        sent = only(await talk.tap(menu, "прошлого месяца"))
        assert sent.document is not None
        assert sent.document.file_name == "bookings-2031-05-01-2031-05-31.csv"
        raw = await talk.shared.client.file(sent.document.file_id)
        text = raw.decode("utf-8-sig")
        assert raw.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert len(table) == 1 + 6  # Ольга's five in May and Галина's one
        statuses = sorted(r[7] for r in table[1:])
        assert statuses == [
            "cancelled",
            "completed",
            "completed",
            "completed",
            "completed",
            "no_show",
        ]
        assert {r[3] for r in table[1:]} == {"Стрижка"}

        asked = only(await talk.tap(menu, "свои даты"))
        assert "две даты периода" in (asked.text or "")
        assert only(await talk.send("вчера")).text == (
            "Не понял дату. Пишите так: 15.06 или 15.06.2031."
        )
        sent = only(await talk.send("26.05.2031 — 12.05.2031"))
        assert sent.document is not None
        assert sent.document.file_name == "bookings-2031-05-12-2031-05-26.csv"
        raw = await talk.shared.client.file(sent.document.file_id)
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert len(table) == 1 + 4  # Ольга on 12, 13, 19 and 26 May; 5 and 28 May are outside


async def test_a_master_is_refused_and_tampered_buttons_answered_politely(talk: Talk) -> None:
    people = await known_base(talk)
    refused = "Это недоступно для вашей роли."
    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        assert "📇 Клиенты" not in home.button_texts
        assert "📜 Журнал действий" not in home.button_texts
        for crafted in (
            "axl:all:0",
            f"axc:v:{people.olga}",
            f"axc:block:{people.olga}",
            "axe:cust",
            "axa:0:0",
        ):
            await talk.press(home, crafted, force=True)
            assert await talk.last_answer() == refused, crafted
    (row,) = await talk.sql("SELECT blocked_at FROM customers WHERE id = $1", people.olga)
    assert row["blocked_at"] is None
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        for crafted in ("axc:v:999999", "axc:block:0", f"axc:v:{2**63 - 1}"):
            await talk.press(home, crafted, force=True)
            assert await talk.last_answer() == "Эта кнопка устарела. Откройте /admin ещё раз.", (
                crafted
            )
        for crafted in ("axl:zzz:0", "axc:v:-1", "axl:all:99999999", "axe:hack", "axa:x:y"):
            await talk.press(home, crafted, force=True)
            assert "устарела" in (await talk.last_answer() or ""), crafted
    assert await talk.sql("SELECT 1 FROM audit_log") == []


async def test_the_client_base_speaks_english(talk: Talk) -> None:
    await known_base(talk)
    with as_user(talk, OWNER):
        home = only(await talk.send("/admin", lang="en"))
        assert "📇 Customers" in home.button_texts
        assert "📜 Audit log" in home.button_texts
        listed = only(await talk.tap(home, "Customers"))
        assert "Customers: All — 6" in (listed.text or "")
        assert listed.button_texts[6:9] == ["·All·", "New", "Regular"]
        card = only(await talk.tap(listed, "Борис"))
        assert "Visits: 2 · cancellations: 0 · no-shows: 0" in (card.text or "")
        assert "🚫 Close online booking" in card.button_texts
