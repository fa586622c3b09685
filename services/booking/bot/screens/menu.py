"""The main menu and «О нас»."""

from __future__ import annotations

from services.booking.bot.callbacks import Menu
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.about import About, HoursLine
from services.booking.use_cases.custom_texts import shown
from services.booking.use_cases.customers import Greeting


def main_menu(w: Words, text: str) -> Screen:
    return Screen(
        text,
        [
            [button(w("menu.book"), Menu(action="book").pack())],
            [button(w("menu.my"), Menu(action="my").pack())],
            [button(w("menu.about"), Menu(action="about").pack())],
        ],
    )


def welcome(w: Words, business_name: str, custom: str | None = None) -> Screen:
    """The main menu under the shipped greeting, or under the owner's own (`custom`, HTML)."""
    return main_menu(w, custom or w("start.welcome", name=esc(business_name)))


def own_greeting(w: Words, greeting: Greeting, first_name: str) -> str | None:
    """The owner's greeting in the customer's language (HTML), or None for the shipped one;
    {name} is the name the customer gave, else their Telegram first name."""
    business = greeting.business
    values = {
        "name": greeting.customer_name or first_name,
        "business": business.name,
        "address": business.address,
        "phone": business.phone,
    }
    return shown(greeting.texts, "greeting", w.locale, values)


def _hours(w: Words, line: HoursLine) -> str:
    days = w(f"weekday.{line.first}")
    if line.last != line.first:
        days = w("about.days", first=days, last=w(f"weekday.{line.last}"))
    if line.opens is None or line.closes is None:
        return w("about.closed", days=days)
    return w(
        "about.open",
        days=days,
        opens=line.opens.strftime("%H:%M"),
        closes=line.closes.strftime("%H:%M"),
    )


def about(w: Words, info: About) -> Screen:
    business = info.business
    values = {"business": business.name, "address": business.address, "phone": business.phone}
    custom = shown(info.texts, "about", w.locale, values)
    if custom:  # the owner's own words; the hours and the price list follow as always
        parts = [custom]
    else:
        parts = [w("about.title", name=esc(business.name))]
        if business.address:
            parts.append(w("about.address", address=esc(business.address)))
        if business.phone:
            parts.append(w("about.phone", phone=esc(business.phone)))
    if any(line.opens is not None for line in info.hours):
        parts.append(w("about.hours") + "\n" + "\n".join(_hours(w, line) for line in info.hours))
    if info.services:
        prices = [
            w(
                "about.service",
                name=esc(s.name),
                price=w.money(s.price_kopecks),
                duration=w.duration(s.duration_min),
            )
            for s in info.services
        ]
        parts.append(w("about.services") + "\n" + "\n".join(prices))
    return Screen(
        "\n\n".join(parts),
        [[button(w("menu.book"), Menu(action="book").pack())], [w.home_button()]],
    )
