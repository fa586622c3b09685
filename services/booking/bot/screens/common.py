"""Words in the customer's language, dates and times in the business's zone, a `Screen`."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.booking.bot.callbacks import Menu
from shared.i18n import Catalog, rubles


@dataclass(frozen=True, slots=True)
class Screen:
    """One message's text (HTML) and inline buttons."""

    text: str
    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.rows:
            return None
        # the rows are buttons already: no second walk through pydantic's validation
        return InlineKeyboardMarkup.model_construct(inline_keyboard=self.rows)


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


_BUTTON_DEFAULTS = {
    name: info.default
    for name, info in InlineKeyboardButton.model_fields.items()
    if name not in ("text", "callback_data")
}
_new = object.__new__
_set = object.__setattr__


def button(text: str, data: str) -> InlineKeyboardButton:
    """A callback button made without pydantic: both fields are strings made here, and a
    calendar screen has ~45 buttons, whose validation (or `model_construct`, slower still)
    was a visible share of an update's CPU. The object is what validation would have made
    (equal, same dump: `tests/unit/test_screen_buttons.py` holds it to that)."""
    made = _new(InlineKeyboardButton)
    _set(made, "__dict__", {"text": text, "callback_data": data, **_BUTTON_DEFAULTS})
    _set(made, "__pydantic_fields_set__", {"text", "callback_data"})
    _set(made, "__pydantic_extra__", {})
    _set(made, "__pydantic_private__", {"_bot": None})
    return made


@dataclass(frozen=True, slots=True)
class Words:
    """The locale's texts plus date, time and money formats."""

    catalog: Catalog
    locale: str

    def __call__(self, key: str, /, **values: object) -> str:
        return self.catalog.text(self.locale, key, **values)

    def money(self, kopecks: int) -> str:
        return rubles(kopecks)

    def duration(self, minutes: int) -> str:
        hours, rest = divmod(minutes, 60)
        if hours and rest:
            return self("duration.hm", h=hours, m=rest)
        return self("duration.h", h=hours) if hours else self("duration.m", m=rest)

    def day(self, value: date) -> str:
        return self(
            "format.day",
            weekday=self(f"weekday.{value.weekday()}"),
            day=value.day,
            month=self(f"month_of.{value.month}"),
        )

    def time(self, instant: datetime, zone: str) -> str:
        return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")

    def when(self, instant: datetime, zone: str) -> str:
        local = instant.astimezone(ZoneInfo(zone))
        return self("format.when", day=self.day(local.date()), time=local.strftime("%H:%M"))

    def home_button(self) -> InlineKeyboardButton:
        return button(self("button.home"), Menu(action="home").pack())

    def back(self, data: str) -> InlineKeyboardButton:
        return button(self("button.back"), data)


def details(w: Words, service: str, master: str, when: str, price: int) -> str:
    """The lines every booking screen shows: service, master, when, price."""
    return w(
        "book.details",
        service=esc(service),
        master=esc(master),
        when=when,
        price=w.money(price),
    )
