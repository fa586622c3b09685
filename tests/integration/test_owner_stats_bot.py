"""«📊 Аналитика» through `/admin` in the Telegram emulator (real Postgres, Redis and NATS), on
the data set of `test_owner_stats`: the owner's summary, chart (a PNG photo) and CSV; typed
ranges, a master's own load, and tampered buttons answered politely."""

from __future__ import annotations

import csv
import io

import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    only,
    shared_infra,
    talk,
)
from test_owner_phone_support import admin_home, as_user
from test_owner_stats import HYPERLINK, make_stats_data

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

MASTER_USER = 700_000_099
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_the_owner_gets_the_summary_the_chart_and_the_csv(talk: Talk) -> None:
    await make_stats_data(talk)
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        periods = only(await talk.tap(home, "📊 Аналитика"))
        assert "За какой период?" in (periods.text or "")
        week = only(await talk.tap(periods, "Эта неделя"))
        text = week.text or ""
        assert "Аналитика: Пн, 2 июня – Вс, 8 июня 2031" in text
        assert "Записей: 8 (пройдено 2, впереди 2)" in text
        assert "Отмен: 3 (клиентом 1, сотрудником 1, системой 1)" in text
        assert "Не пришли: 1" in text
        assert "Выручка по прайсу: 11\u00a0000 ₽" in text
        assert "Клиенты: новых 2, вернувшихся 1" in text
        assert f"Источники: ig 2, {HYPERLINK} 1" in text
        assert "Средняя оценка: 4.5 ★ (2 отзывов)" in text
        assert "Самые загруженные часы: 11:00 (2), 10:00 (1), 12:00 (1)" in text
        assert "Анна: 4 ч / 36 ч — 11%" in text
        assert "Ирина: 3 ч / 29 ч — 10%" in text

        (photo,) = await talk.tap(week, "🖼 График")
        assert photo.photo is not None
        size = photo.photo[-1]
        picture = await talk.shared.client.file(size.file_id)
        assert picture.startswith(PNG_SIGNATURE)
        assert (size.width, size.height) == (900, 700)
        assert 10_000 < len(picture) < 300_000
        assert photo.caption == "График: записи по дням и загрузка мастеров."

        (document,) = await talk.tap(week, "📄 CSV")
        assert document.document is not None
        assert document.document.file_name == "stats-2031-06-02-2031-06-08.csv"
        raw = await talk.shared.client.file(document.document.file_id)
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Cyrillic
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert ["bookings", "8"] in rows
        assert ["revenue_rub", "11000.00"] in rows
        assert ["cancelled_by_system", "1"] in rows
        assert ["2031-06-06", "2", "1", "0", "4000.00"] in rows
        assert ["Анна", "240", "2160", "11"] in rows
        assert ["'" + HYPERLINK, "1"] in rows  # neutralised: Excel shows it as text
        assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


async def test_typed_ranges_and_polite_refusals(talk: Talk) -> None:
    await make_stats_data(talk, master_user=MASTER_USER)
    with as_user(talk, OWNER):
        periods = only(await talk.tap(await admin_home(talk), "📊 Аналитика"))
        asked = only(await talk.tap(periods, "✏️ Свой период"))
        assert "1.06-30.06" in (asked.text or "")
        for typed, reply in (
            ("июнь", "Не понял период."),
            ("31.06-2.07", "Такой даты нет."),
            ("30.06.2031-1.06.2031", "Конец периода раньше начала."),
            ("1.01.2031-31.12.2032", "Слишком длинный период: не больше 366 дней."),
        ):
            answered = only(await talk.send(typed))
            assert (answered.text or "").startswith(reply), typed
        summary = only(await talk.send("2.06-3.06"))
        assert "Записей: 4 (пройдено 2, впереди 0)" in (summary.text or "")

        for tampered in ("ay:v:20311340:20310608", "ay:v:20310608:20310602", "ay:png:1:2"):
            assert await talk.press(summary, tampered, force=True) == []
            assert await talk.last_answer() == "Эта кнопка устарела. Откройте /admin ещё раз."
        await talk.press(summary, "ay:zz:20310602:20310608", force=True)
        assert await talk.last_answer() == "Эта кнопка устарела. Вот актуальное меню."

        english = only(await talk.send("/admin", lang="en"))
        periods = only(await talk.tap(english, "📊 Analytics"))
        week = only(await talk.tap(periods, "This week"))
        assert "Bookings: 8 (2 done, 2 ahead)" in (week.text or "")

    with as_user(talk, MASTER_USER):
        periods = only(await talk.tap(await admin_home(talk), "📊 Аналитика"))
        mine = only(await talk.tap(periods, "Эта неделя"))
        text = mine.text or ""
        assert "Ирина: 3 ч / 29 ч — 10%" in text
        assert "Анна" not in text
        assert "Выручка" not in text
        assert "🖼 График" not in mine.button_texts
        for forced in ("ay:csv:20310602:20310608", "ay:png:20310602:20310608"):
            assert await talk.press(mine, forced, force=True) == []
            assert await talk.last_answer() == "Это недоступно для вашей роли."
