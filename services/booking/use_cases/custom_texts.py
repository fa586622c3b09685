"""The five texts the owner may reword, which placeholders each may have, and which wording a
customer gets.

A customer's text is chosen in the language their screens are in (their Telegram language when
the bot speaks it, else the business's): the owner's text in that language if there is one,
else the shipped text. The reminder and the review request are sent later by notifier, so the
booking events carry the chosen wording (`event_texts`); notifier never reads the tenant's
tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from shared.text_templates import TELEGRAM_LIMIT, render

Kind = Literal["greeting", "about", "confirmation", "reminder", "review"]
KINDS: tuple[Kind, ...] = ("greeting", "about", "confirmation", "reminder", "review")
Language = Literal["ru", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "en")
# The kinds read with every booking event: the confirmation is shown at once, the others
# travel to notifier.
BOOKING_KINDS: tuple[Kind, ...] = ("confirmation", "reminder", "review")

ALLOWED: Mapping[Kind, tuple[str, ...]] = {
    "greeting": ("name", "business", "address", "phone"),
    "about": ("business", "address", "phone"),
    "confirmation": ("name", "business", "service", "master", "time", "address"),
    "reminder": ("name", "business", "service", "master", "time", "address"),
    "review": ("name", "business", "service", "master"),
}
# «О нас» is followed by the working hours and the price list, so it leaves them room.
LIMITS: Mapping[Kind, int] = {
    "greeting": TELEGRAM_LIMIT,
    "about": 3000,
    "confirmation": TELEGRAM_LIMIT,
    "reminder": TELEGRAM_LIMIT,
    "review": TELEGRAM_LIMIT,
}

Found = Mapping[tuple[str, str], str]  # (kind, locale) -> the owner's text


class CustomTextsPort(Protocol):
    async def custom_texts(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
        """The owner's texts of `kinds`, every language, keyed (kind, locale)."""
        ...


def language_or(code: str, fallback: Language) -> Language:
    """`code` if it is one of `LANGUAGES`, else `fallback`."""
    for known in LANGUAGES:
        if known == code:
            return known
    return fallback


def language(customer_locale: str, business_locale: str) -> Language:
    """The language a customer's texts are in: theirs if the bot speaks it, else the
    business's (the same choice notifier makes for its own wording)."""
    return language_or(customer_locale, language_or(business_locale, LANGUAGES[0]))


def pick(found: Found, kind: Kind, locale: str) -> str:
    """The owner's `kind` text in `locale`, or "" for the shipped one."""
    return found.get((kind, locale), "")


def shown(found: Found, kind: Kind, locale: str, values: Mapping[str, str]) -> str | None:
    """The owner's `kind` text in `locale` rendered as HTML, or None for the shipped one."""
    template = pick(found, kind, locale)
    return render(template, values) if template else None
