"""The client base's pure rules: CSV cells neutralised, the file Excel reads, periods, tags,
search terms and the audit log's before → after."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from services.booking.bot.admin.screens.audit import changes
from services.booking.bot.screens.common import Words
from services.booking.main import LOCALES
from services.booking.use_cases.admin.clients import clean_tags, search_terms
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.exports import period_days, safe_cell, to_csv
from shared.i18n import Catalog

ZONE = "Europe/Moscow"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+79120000000", "'+79120000000"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ольга", "Ольга"),
        ("a=b", "a=b"),
        (None, ""),
        (3, "3"),
    ],
)
def test_risky_cells_get_a_quote(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_the_file_is_utf8_with_a_bom_and_semicolons() -> None:
    data = to_csv(("name", "note"), [("Ольга", "a;b"), ("=1+1", 'say "hi"')])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["name", "note"], ["Ольга", "a;b"], ["'=1+1", 'say "hi"']]
    assert b"\r\n" in data


def test_periods() -> None:
    today = date(2031, 3, 15)
    assert period_days("this", today) == (date(2031, 3, 1), date(2031, 3, 31))
    assert period_days("last", today) == (date(2031, 2, 1), date(2031, 2, 28))
    assert period_days("prev30", today) == (date(2031, 2, 14), today)
    assert period_days("next30", today) == (today, date(2031, 4, 13))
    assert period_days("last", date(2031, 1, 5)) == (date(2030, 12, 1), date(2030, 12, 31))


def test_tags_are_cleaned() -> None:
    assert clean_tags("VIP, #аллергия vip;  цвет") == ("vip", "аллергия", "цвет")
    assert clean_tags(" - ") == ()
    with pytest.raises(BadInput):
        clean_tags(" , # ")
    with pytest.raises(BadInput):
        clean_tags(" ".join(f"t{n}" for n in range(11)))
    with pytest.raises(BadInput):
        clean_tags("x" * 31)


def test_search_terms() -> None:
    assert search_terms("ольг") == ("ольг", "")
    assert search_terms("8 913 000-00-01") == ("", "9130000001")
    assert search_terms("0003") == ("", "0003")
    assert search_terms("Ю2") == ("Ю2", "")


def test_changes_show_only_what_changed_in_words() -> None:
    ru = Words(Catalog.load(LOCALES), "ru")
    en = Words(Catalog.load(LOCALES), "en")
    before = {"name": "Стрижка", "price_kopecks": 150000}
    after = {"name": "Стрижка", "price_kopecks": 180000}
    assert changes(ru, before, after, ZONE) == "Цена: 1\u00a0500 ₽ → 1\u00a0800 ₽"
    assert changes(ru, None, {"blocked": True}, ZONE) == "Запись закрыта: — → да"
    assert changes(en, None, {"blocked": True}, ZONE) == "Booking closed: — → yes"
    assert changes(ru, None, None, ZONE) == ""
    hours = {"hours": [["10:00:00", "19:00:00"]]}
    assert changes(en, None, hours, ZONE) == "Hours: — → 10:00–19:00"
    moved = changes(ru, {"starts_at": "2026-12-05T09:00:00+00:00"}, {"starts_at": None}, ZONE)
    assert moved.startswith("Время: ")
    assert "12:00" in moved
    assert changes(ru, None, {"unknown_key": 3}, ZONE) == "unknown_key: — → 3"
