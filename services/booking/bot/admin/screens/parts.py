"""Small pieces every admin screen uses: ranges of hours, a «back» row, a typed question."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.callbacks import Nav
from services.booking.bot.screens.common import Screen, Words, button
from services.booking.use_cases.admin.ports import Interval


def hours(interval: Interval) -> str:
    return f"{interval[0]:%H:%M}–{interval[1]:%H:%M}"


def hours_list(intervals: tuple[Interval, ...]) -> str:
    return ", ".join(hours(i) for i in intervals)


def back(w: Words, data: str) -> list[InlineKeyboardButton]:
    return [w.back(data)]


def home_row(w: Words) -> list[InlineKeyboardButton]:
    return [button(w("admin.button.home"), Nav(to="home").pack())]


def question(w: Words, text: str, back_to: str) -> Screen:
    """A question answered by typing; the button goes back (and drops the question)."""
    return Screen(text, [back(w, back_to)])


def with_notice(screen: Screen, notice: str) -> Screen:
    return Screen(f"{notice}\n\n{screen.text}" if notice else screen.text, screen.rows)
