"""Screens build their buttons without pydantic: the objects must be what validation makes."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import EditMessageText
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.booking.bot.screens.common import Screen, button
from shared.bot_session import JsonBotSession

TOKEN = "42:" + "b" * 35


def test_a_screen_button_equals_and_dumps_as_a_validated_one() -> None:
    made = button("12", "bd:1:0:0:9")
    validated = InlineKeyboardButton(text="12", callback_data="bd:1:0:0:9")
    assert made == validated
    assert made.model_dump() == validated.model_dump()
    assert made.model_fields_set == validated.model_fields_set
    assert made.model_dump_json(exclude_none=True) == '{"text":"12","callback_data":"bd:1:0:0:9"}'


def test_buttons_do_not_share_state() -> None:
    first, second = button("a", "x:1"), button("b", "x:2")
    assert first.model_extra is not second.model_extra
    assert (first.text, second.text) == ("a", "b")


def test_a_screen_goes_to_the_bot_api_as_a_validated_markup_would() -> None:
    rows = [[button("‹", "pm:1"), button("›", "pm:2")], [button("Назад", "bs:3")]]
    screen = Screen("Выберите день", rows)
    validated = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="‹", callback_data="pm:1"),
                InlineKeyboardButton(text="›", callback_data="pm:2"),
            ],
            [InlineKeyboardButton(text="Назад", callback_data="bs:3")],
        ]
    )
    session = JsonBotSession()
    bot = Bot(TOKEN, session=session)

    def body(markup: InlineKeyboardMarkup | None) -> bytes | None:
        call = EditMessageText(chat_id=7, message_id=3, text=screen.text, reply_markup=markup)
        return session.json_body(bot, call)

    assert screen.markup == validated
    assert body(screen.markup) == body(validated)
    assert Screen("без кнопок").markup is None
