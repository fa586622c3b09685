"""The small pieces of booking's hot path: whose chat an update is, and a Bot API call as JSON."""

from __future__ import annotations

import msgspec
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from shared.bot_session import JsonBotSession
from shared.chat_turns import chat_of

TOKEN = "42:" + "a" * 35


def test_the_chat_of_a_message_a_button_and_a_contact_is_the_private_chat() -> None:
    message = {"update_id": 1, "message": {"chat": {"id": 7}, "from": {"id": 7}, "text": "hi"}}
    pressed = {
        "update_id": 2,
        "callback_query": {"id": "q", "from": {"id": 8}, "message": {"chat": {"id": 9}}},
    }
    bare_press = {"update_id": 3, "callback_query": {"id": "q", "from": {"id": 8}}}
    assert chat_of(msgspec.json.encode(message)) == 7
    assert chat_of(msgspec.json.encode(pressed)) == 9
    assert chat_of(msgspec.json.encode(bare_press)) == 8


def test_an_update_without_a_chat_or_not_json_has_no_chat() -> None:
    assert chat_of(b'{"update_id": 5, "poll": {"id": "p"}}') is None
    assert chat_of(b"not json") is None
    assert chat_of(b'{"message": {"chat": {"id": "seven"}}}') is None


def test_a_call_goes_as_one_json_object_with_nested_objects_and_without_empty_fields() -> None:
    session = JsonBotSession()
    bot = Bot(TOKEN, session=session)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]]
    )
    body = session.json_body(bot, SendMessage(chat_id=7, text="Привет", reply_markup=markup))
    assert body is not None
    sent = msgspec.json.decode(body)
    assert sent["chat_id"] == 7
    assert sent["text"] == "Привет"
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]}
    quiet = session.json_body(bot, AnswerCallbackQuery(callback_query_id="q", show_alert=False))
    assert msgspec.json.decode(quiet or b"{}") == {"callback_query_id": "q"}


def test_a_call_with_a_file_is_left_to_multipart() -> None:
    session = JsonBotSession()
    bot = Bot(TOKEN, session=session)
    photo = BufferedInputFile(b"\x89PNG", filename="p.png")
    assert session.json_body(bot, SendPhoto(chat_id=7, photo=photo)) is None
