"""Telegram Bot API objects as the emulator sends them (``None`` fields are omitted)."""

from __future__ import annotations

from typing import Any

import msgspec


class TgObject(msgspec.Struct, omit_defaults=True, kw_only=True):
    """Base of every Bot API object: optional fields left out of the JSON like Telegram does."""


class User(TgObject, kw_only=True):
    id: int
    is_bot: bool
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class BotUser(User, kw_only=True):
    can_join_groups: bool
    can_read_all_group_messages: bool
    supports_inline_queries: bool
    can_connect_to_business: bool
    has_main_web_app: bool


class Chat(TgObject, kw_only=True):
    id: int
    type: str
    first_name: str | None = None
    username: str | None = None


class MessageEntity(TgObject, kw_only=True):
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None


class Contact(TgObject, kw_only=True):
    phone_number: str
    first_name: str
    last_name: str | None = None
    user_id: int | None = None


class Document(TgObject, kw_only=True):
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class PhotoSize(TgObject, kw_only=True):
    file_id: str
    file_unique_id: str
    width: int
    height: int
    file_size: int | None = None


class InlineKeyboardButton(TgObject, kw_only=True):
    text: str
    callback_data: str | None = None
    url: str | None = None
    switch_inline_query: str | None = None
    switch_inline_query_current_chat: str | None = None
    copy_text: dict[str, Any] | None = None
    web_app: dict[str, Any] | None = None
    login_url: dict[str, Any] | None = None
    pay: bool | None = None


class InlineKeyboardMarkup(TgObject, kw_only=True):
    inline_keyboard: list[list[InlineKeyboardButton]]


class Message(TgObject, kw_only=True):
    message_id: int
    from_: User | None = msgspec.field(default=None, name="from")
    date: int
    chat: Chat
    edit_date: int | None = None
    text: str | None = None
    entities: list[MessageEntity] | None = None
    caption: str | None = None
    caption_entities: list[MessageEntity] | None = None
    document: Document | None = None
    photo: list[PhotoSize] | None = None
    contact: Contact | None = None
    reply_markup: InlineKeyboardMarkup | None = None


class CallbackQuery(TgObject, kw_only=True):
    id: str
    from_: User = msgspec.field(name="from")
    message: Message
    chat_instance: str
    data: str


class ChatMember(TgObject, kw_only=True):
    status: str
    user: User
    until_date: int | None = None


class ChatMemberUpdated(TgObject, kw_only=True):
    chat: Chat
    from_: User = msgspec.field(name="from")
    date: int
    old_chat_member: ChatMember
    new_chat_member: ChatMember


class Update(TgObject, kw_only=True):
    update_id: int
    message: Message | None = None
    callback_query: CallbackQuery | None = None
    my_chat_member: ChatMemberUpdated | None = None

    @property
    def kind(self) -> str:
        if self.message is not None:
            return "message"
        if self.callback_query is not None:
            return "callback_query"
        return "my_chat_member"


class BotCommand(TgObject, kw_only=True):
    command: str
    description: str


class WebhookInfo(TgObject, kw_only=True):
    url: str
    has_custom_certificate: bool
    pending_update_count: int
    last_error_date: int | None = None
    last_error_message: str | None = None
    max_connections: int | None = None
    allowed_updates: list[str] | None = None


class File(TgObject, kw_only=True):
    file_id: str
    file_unique_id: str
    file_size: int | None = None
    file_path: str | None = None
