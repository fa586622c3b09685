"""Every bot's locale files: no key written twice (JSON keeps the last silently, so one screen's
words would replace another's) and Russian and English saying the same things."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIRS = sorted(path.parent for path in ROOT.glob("services/*/locales/ru.json"))


def keys_once(path: Path) -> dict[str, str]:
    def no_repeats(pairs: list[tuple[str, str]]) -> dict[str, str]:
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        assert not repeated, f"{path.relative_to(ROOT)} writes {repeated} twice"
        return dict(pairs)

    loaded: dict[str, str] = json.loads(path.read_text("utf-8"), object_pairs_hook=no_repeats)
    return loaded


@pytest.mark.parametrize("directory", LOCALE_DIRS, ids=lambda d: d.parent.name)
def test_no_key_twice_and_both_languages_alike(directory: Path) -> None:
    russian = keys_once(directory / "ru.json")
    english = keys_once(directory / "en.json")
    assert sorted(russian.keys() - english.keys()) == []
    assert sorted(english.keys() - russian.keys()) == []
