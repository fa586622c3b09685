"""The client base's pure rules: CSV cells neutralised, the file Excel reads, periods, tags,
search terms and the audit log's before → after."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from services.booking.bot.admin.screens.audit import changes
from services.booking.use_cases.admin.clients import clean_tags, search_terms
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.exports import period_days, safe_cell, to_csv


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


def test_changes_show_only_what_changed() -> None:
    before = {"name": "Стрижка", "price_kopecks": 150000}
    after = {"name": "Стрижка", "price_kopecks": 180000}
    assert changes(before, after) == "price_kopecks: 150000 → 180000"
    assert changes(None, {"blocked": True}) == "blocked: — → True"
    assert changes(None, None) == ""
