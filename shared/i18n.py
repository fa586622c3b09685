"""Texts from locale files (`<package>/locales/<lang>.json`), Russian by default.

Code names a text by key; the files hold the words. A key missing in a language falls back to
Russian; a key missing everywhere is a bug and raises `KeyError` (tests catch it).
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_LOCALE = "ru"


class Catalog:
    def __init__(self, texts: dict[str, dict[str, str]]) -> None:
        if DEFAULT_LOCALE not in texts:
            raise ValueError("a catalog needs the Russian texts")
        self._texts = texts

    @classmethod
    def load(cls, folder: Path) -> Catalog:
        texts = {
            path.stem: json.loads(path.read_text("utf-8")) for path in sorted(folder.glob("*.json"))
        }
        return cls(texts)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._texts)

    def ships(self, language_code: str | None) -> bool:
        """Whether there are texts in this Telegram language (`en-GB` counts as `en`)."""
        if not language_code:
            return False
        return language_code.split("-")[0].lower() in self._texts

    def locale_for(self, language_code: str | None) -> str:
        lang = (language_code or DEFAULT_LOCALE).split("-")[0].lower()
        return lang if lang in self._texts else DEFAULT_LOCALE

    def text(self, locale: str, key: str, /, **values: object) -> str:
        template = self._texts.get(locale, {}).get(key) or self._texts[DEFAULT_LOCALE][key]
        return template.format(**values) if values else template


def rubles(kopecks: int) -> str:
    """`150000` -> `1 500 ₽`; kopecks shown only when there are any."""
    whole, cents = divmod(kopecks, 100)
    text = f"{whole:,}".replace(",", "\u00a0")
    return f"{text},{cents:02d} ₽" if cents else f"{text} ₽"
