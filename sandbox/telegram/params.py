"""Parameters of the Bot API methods the emulator knows, decoded the way Telegram reads them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from sandbox.telegram.errors import bad_request
from sandbox.telegram.objects import BotCommand, MessageEntity

# Fields that hold JSON; in query strings and form bodies they arrive as JSON text.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "entities",
        "caption_entities",
        "link_preview_options",
        "scope",
        "reply_parameters",
    }
)

_P = TypeVar("_P", bound=msgspec.Struct)
ChatId = int | str


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent in a multipart body, keyed by its form field name."""

    filename: str
    content_type: str
    data: bytes


class Params(msgspec.Struct, kw_only=True):
    """Base of method parameters; unknown fields are ignored like Telegram ignores them."""


class SetWebhook(Params):
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    drop_pending_updates: bool = False
    max_connections: int | None = None


class DeleteWebhook(Params):
    drop_pending_updates: bool = False


class GetUpdates(Params):
    offset: int = 0
    limit: int = 100
    timeout: float = 0.0
    allowed_updates: list[str] | None = None


class SendMessage(Params):
    chat_id: ChatId
    text: str = ""
    parse_mode: str | None = None
    entities: list[MessageEntity] | None = None
    reply_markup: dict[str, Any] | None = None
    link_preview_options: dict[str, Any] | None = None
    disable_web_page_preview: bool | None = None


class EditMessageText(Params):
    chat_id: ChatId | None = None
    message_id: int | None = None
    inline_message_id: str | None = None
    text: str = ""
    parse_mode: str | None = None
    entities: list[MessageEntity] | None = None
    reply_markup: dict[str, Any] | None = None


class EditMessageReplyMarkup(Params):
    chat_id: ChatId | None = None
    message_id: int | None = None
    inline_message_id: str | None = None
    reply_markup: dict[str, Any] | None = None


class DeleteMessage(Params):
    chat_id: ChatId
    message_id: int


class SendDocument(Params):
    chat_id: ChatId
    document: str = ""
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None


class SendPhoto(Params):
    chat_id: ChatId
    photo: str = ""
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None


class SendChatAction(Params):
    chat_id: ChatId
    action: str


class AnswerCallbackQuery(Params):
    callback_query_id: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


class SetMyCommands(Params):
    commands: list[BotCommand]
    scope: dict[str, Any] | None = None
    language_code: str = ""


class CommandsScope(Params):
    scope: dict[str, Any] | None = None
    language_code: str = ""


class SetMyDescription(Params):
    description: str = ""
    language_code: str = ""


class SetMyShortDescription(Params):
    short_description: str = ""
    language_code: str = ""


class LanguageOnly(Params):
    language_code: str = ""


class GetFile(Params):
    file_id: str


def decode(raw: dict[str, Any], params_type: type[_P]) -> _P:
    """``raw`` as ``params_type``, or 400 naming the missing or malformed parameter."""
    try:
        return msgspec.convert(raw, params_type, strict=False)
    except msgspec.ValidationError as error:
        text = str(error)
        if text.startswith("Object missing required field"):
            name = text.split("`")[1]
            raise bad_request(f'parameter "{name}" is required') from error
        raise bad_request(f"invalid parameters: {text}") from error


def decode_json_fields(params: dict[str, Any]) -> None:
    """Turn JSON-text values of :data:`JSON_FIELDS` into objects, in place."""
    for key in JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str):
            try:
                params[key] = msgspec.json.decode(value)
            except msgspec.DecodeError as error:
                raise bad_request(f"can't parse {key} JSON object") from error


def chat_id_of(value: ChatId | None) -> int:
    """A private chat's numeric id; ``@username`` chats do not exist in the sandbox."""
    if isinstance(value, int):
        return value
    if value and value.lstrip("-").isdigit():
        return int(value)
    raise bad_request("chat not found")
