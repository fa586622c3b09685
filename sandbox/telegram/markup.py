"""``reply_markup`` as Telegram checks it: inline keyboards go on messages, the rest on chats."""

from __future__ import annotations

from typing import Any

import msgspec

from sandbox.telegram.errors import bad_request
from sandbox.telegram.objects import InlineKeyboardButton, InlineKeyboardMarkup
from sandbox.telegram.state import KeyboardButton

_MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "copy_text",
    "web_app",
    "login_url",
    "pay",
)


class ParsedMarkup(msgspec.Struct, frozen=True, kw_only=True):
    """What a ``reply_markup`` does: ``inline`` goes on the message, ``keyboard`` on the chat."""

    inline: InlineKeyboardMarkup | None = None
    keyboard: list[list[KeyboardButton]] | None = None
    remove_keyboard: bool = False


def parse_markup(raw: object) -> ParsedMarkup:
    if raw is None:
        return ParsedMarkup()
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return ParsedMarkup(inline=parse_inline(raw))
    if "keyboard" in raw:
        return ParsedMarkup(keyboard=_parse_reply_keyboard(raw["keyboard"]))
    if raw.get("remove_keyboard"):
        return ParsedMarkup(remove_keyboard=True)
    if raw.get("force_reply"):
        return ParsedMarkup()
    raise bad_request("can't parse reply keyboard markup JSON object")


def parse_inline(raw: dict[str, Any]) -> InlineKeyboardMarkup:
    try:
        markup = msgspec.convert(raw, InlineKeyboardMarkup)
    except msgspec.ValidationError as error:
        raise bad_request(f"can't parse inline keyboard button: {error}") from error
    for row in markup.inline_keyboard:
        for button in row:
            _check_inline_button(button)
    return markup


def _check_inline_button(button: InlineKeyboardButton) -> None:
    if not button.text:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    actions = [name for name in _BUTTON_ACTIONS if getattr(button, name) is not None]
    if len(actions) != 1:
        raise bad_request('can\'t parse inline keyboard button: Field "callback_data" must be set')
    data = button.callback_data
    if data is not None and not 1 <= len(data.encode()) <= _MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")
    if button.url is not None and not button.url.startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")


def _parse_reply_keyboard(rows: object) -> list[list[KeyboardButton]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse reply keyboard markup JSON object")
    keyboard: list[list[KeyboardButton]] = []
    for row in rows:
        buttons: list[KeyboardButton] = []
        for item in row:
            if isinstance(item, str):
                buttons.append(KeyboardButton(text=item))
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                buttons.append(KeyboardButton(item["text"], bool(item.get("request_contact"))))
            else:
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
        keyboard.append(buttons)
    return keyboard
