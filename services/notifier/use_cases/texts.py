"""The notifier's texts: locale files (`locales/<code>.json`), local times, HTML escaping.

Templates are trusted HTML (the bots send with `parse_mode=HTML`); every value put into them
is escaped unless it is a `Safe` piece rendered from another template.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_LOCALE = "ru"
DEFAULT_TIMEZONE = "Europe/Moscow"


class Safe(str):
    """A piece of already-rendered HTML: inserted as is."""

    __slots__ = ()


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or Moscow for an empty or unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


class Catalog:
    """The texts of one locale."""

    def __init__(self, code: str, entries: Mapping[str, Any]) -> None:
        self.code = code
        self._entries = entries

    def text(self, key: str, **fields: object) -> str:
        template = self._entries[key]
        if not isinstance(template, str):
            raise TypeError(f"text {key!r} of locale {self.code!r} is not a string")
        return template.format(**{name: _escape(value) for name, value in fields.items()})

    def choice(self, group: str, key: str, *, fallback: str | None = None) -> str:
        """An entry of a dictionary of texts (e.g. reasons), or the `fallback` text, or `key`."""
        options = self._entries.get(group, {})
        if key in options:
            return str(options[key])
        return str(self._entries[fallback]) if fallback else key

    def when(self, instant: datetime, timezone: str) -> str:
        """A local date and time: `15 марта (пт) в 14:30`."""
        local = instant.astimezone(zone(timezone))
        return str(self._entries["datetime"]).format(
            day=local.day,
            month=self._entries["months"][local.month - 1],
            weekday=self._entries["weekdays"][local.weekday()],
            time=local.strftime("%H:%M"),
        )

    def date(self, instant: datetime, timezone: str) -> str:
        """A local date: `15 марта 2025`."""
        local = instant.astimezone(zone(timezone))
        return str(self._entries["date"]).format(
            day=local.day, month=self._entries["months"][local.month - 1], year=local.year
        )

    def lead(self, minutes: int) -> str:
        """How long before: `2 ч`, `30 мин`, `1 дн.`."""
        if minutes % 1440 == 0:
            return self.text("lead_days", n=minutes // 1440)
        if minutes % 60 == 0:
            return self.text("lead_hours", n=minutes // 60)
        return self.text("lead_minutes", n=minutes)


class Texts:
    """All locales; an unknown locale code falls back to Russian."""

    def __init__(self, catalogs: Mapping[str, Catalog]) -> None:
        if DEFAULT_LOCALE not in catalogs:
            raise ValueError(f"the {DEFAULT_LOCALE!r} locale is required")
        self._catalogs = dict(catalogs)

    @classmethod
    def load(cls, directory: Path) -> Texts:
        catalogs = {
            path.stem: Catalog(path.stem, json.loads(path.read_text("utf-8")))
            for path in sorted(directory.glob("*.json"))
        }
        return cls(catalogs)

    def __call__(self, locale: str | None) -> Catalog:
        return self._catalogs.get(locale or DEFAULT_LOCALE) or self._catalogs[DEFAULT_LOCALE]

    def first(self, *locales: str | None) -> Catalog:
        """The first of `locales` there are texts for (a customer's language, then the
        business's), else Russian."""
        for code in locales:
            if code and code in self._catalogs:
                return self._catalogs[code]
        return self._catalogs[DEFAULT_LOCALE]


LOCALES = Path(__file__).resolve().parent.parent / "locales"


def _escape(value: object) -> str:
    if isinstance(value, Safe):
        return str(value)
    return html.escape(str(value), quote=False)
