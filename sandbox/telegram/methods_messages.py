"""Bot API methods that put something into a chat: send, edit, delete, documents, answers."""

from __future__ import annotations

import io
import secrets
import time
from typing import Any

from PIL import Image, UnidentifiedImageError

from sandbox.telegram import params as p
from sandbox.telegram.context import Handler, MethodContext
from sandbox.telegram.errors import bad_request
from sandbox.telegram.formatting import parse_text
from sandbox.telegram.markup import ParsedMarkup, parse_markup
from sandbox.telegram.objects import Document, File, Message, PhotoSize
from sandbox.telegram.state import CallbackAnswer, ChatLog, StoredFile, unix_now

_MAX_TEXT = 4096
MAX_CAPTION = 1024
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _apply_keyboard(chat: ChatLog, markup: ParsedMarkup) -> None:
    if markup.keyboard is not None:
        chat.reply_keyboard = markup.keyboard
    elif markup.remove_keyboard:
        chat.reply_keyboard = None


async def send_message(ctx: MethodContext, raw: dict[str, Any]) -> Message:
    params = p.decode(raw, p.SendMessage)
    user, chat = ctx.private_chat(params.chat_id)
    if not params.text.strip():
        raise bad_request("message text is empty")
    text, entities = parse_text(params.text, params.parse_mode)
    if len(text) > _MAX_TEXT:
        raise bad_request("message is too long")
    markup = parse_markup(params.reply_markup)
    ctx.acquire_send(user.id)
    message = Message(
        message_id=chat.take_message_id(),
        from_=ctx.bot.as_user(),
        date=unix_now(),
        chat=user.as_chat(),
        text=text,
        entities=entities or params.entities,
        reply_markup=markup.inline,
    )
    _apply_keyboard(chat, markup)
    chat.add(message, from_bot=True)
    ctx.state.stats.messages_sent += 1
    return message


async def edit_message_text(ctx: MethodContext, raw: dict[str, Any]) -> Message:
    params = p.decode(raw, p.EditMessageText)
    if params.inline_message_id is not None:
        raise bad_request("inline messages are not supported by the sandbox")
    entry = ctx.bot_message(params.chat_id, params.message_id, "edit")
    if entry.message.text is None:
        raise bad_request("there is no text in the message to edit")
    if not params.text.strip():
        raise bad_request("message text is empty")
    text, entities = parse_text(params.text, params.parse_mode)
    entities = entities or params.entities
    markup = parse_markup(params.reply_markup).inline
    current = entry.message
    if current.text == text and current.entities == entities and current.reply_markup == markup:
        raise bad_request(_NOT_MODIFIED)
    ctx.acquire_send(current.chat.id, edit=True)
    current.text, current.entities, current.reply_markup = text, entities, markup
    return _edited(ctx, current.chat.id, current)


async def edit_message_reply_markup(ctx: MethodContext, raw: dict[str, Any]) -> Message:
    params = p.decode(raw, p.EditMessageReplyMarkup)
    if params.inline_message_id is not None:
        raise bad_request("inline messages are not supported by the sandbox")
    entry = ctx.bot_message(params.chat_id, params.message_id, "edit")
    markup = parse_markup(params.reply_markup).inline
    if entry.message.reply_markup == markup:
        raise bad_request(_NOT_MODIFIED)
    ctx.acquire_send(entry.message.chat.id, edit=True)
    entry.message.reply_markup = markup
    return _edited(ctx, entry.message.chat.id, entry.message)


def _edited(ctx: MethodContext, chat_id: int, message: Message) -> Message:
    message.edit_date = unix_now()
    chat = ctx.bot.chat(chat_id)
    chat.touch(chat.messages[message.message_id])
    ctx.state.stats.messages_edited += 1
    return message


async def delete_message(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.DeleteMessage)
    entry = ctx.bot_message(params.chat_id, params.message_id, "delete")
    ctx.bot.chat(entry.message.chat.id).remove(entry.message.message_id)
    return True


async def send_document(ctx: MethodContext, raw: dict[str, Any]) -> Message:
    params = p.decode(raw, p.SendDocument)
    user, chat = ctx.private_chat(params.chat_id)
    stored = _document_of(ctx, params.document)
    caption, caption_entities = parse_text(params.caption or "", params.parse_mode)
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    markup = parse_markup(params.reply_markup)
    ctx.acquire_send(user.id)
    message = Message(
        message_id=chat.take_message_id(),
        from_=ctx.bot.as_user(),
        date=unix_now(),
        chat=user.as_chat(),
        caption=caption or None,
        caption_entities=caption_entities,
        document=Document(
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            file_name=stored.file_name,
            mime_type=stored.mime_type,
            file_size=len(stored.data),
        ),
        reply_markup=markup.inline,
    )
    _apply_keyboard(chat, markup)
    chat.add(message, from_bot=True)
    ctx.state.stats.messages_sent += 1
    return message


async def send_photo(ctx: MethodContext, raw: dict[str, Any]) -> Message:
    """A picture uploaded (multipart, like a document) or a known file_id; stored as a file the
    chat page shows. Telegram would re-encode it; the sandbox keeps the bytes and reports the
    size it read from them, one `PhotoSize`."""
    params = p.decode(raw, p.SendPhoto)
    user, chat = ctx.private_chat(params.chat_id)
    stored = _document_of(ctx, params.photo, field="photo", id_prefix="AgACAgIAAxk")
    width, height = image_size(stored.data)
    caption, caption_entities = parse_text(params.caption or "", params.parse_mode)
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    markup = parse_markup(params.reply_markup)
    ctx.acquire_send(user.id)
    message = Message(
        message_id=chat.take_message_id(),
        from_=ctx.bot.as_user(),
        date=unix_now(),
        chat=user.as_chat(),
        caption=caption or None,
        caption_entities=caption_entities,
        photo=[
            PhotoSize(
                file_id=stored.file_id,
                file_unique_id=stored.file_unique_id,
                width=width,
                height=height,
                file_size=len(stored.data),
            )
        ],
        reply_markup=markup.inline,
    )
    _apply_keyboard(chat, markup)
    chat.add(message, from_bot=True)
    ctx.state.stats.messages_sent += 1
    return message


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a picture; anything that is not one is refused like Telegram does."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as error:
        raise bad_request("IMAGE_PROCESS_FAILED") from error
    if width + height > 10_000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height


def _document_of(
    ctx: MethodContext, reference: str, *, field: str = "document", id_prefix: str = "BQACAgIAAxk"
) -> StoredFile:
    """An uploaded file (``attach://name`` or the ``document``/``photo`` part itself) or a
    known file_id."""
    name = reference.removeprefix("attach://") if reference.startswith("attach://") else field
    upload = ctx.uploads.get(name)
    if upload is not None:
        stored = StoredFile(
            file_id=f"{id_prefix}{secrets.token_urlsafe(48)}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(8)}",
            file_name=upload.filename or field,
            mime_type=upload.content_type or "application/octet-stream",
            data=upload.data,
        )
        ctx.state.files[stored.file_id] = stored
        return stored
    known = ctx.state.files.get(reference)
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return known


async def send_chat_action(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.SendChatAction)
    ctx.private_chat(params.chat_id)
    return True


async def answer_callback_query(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.AnswerCallbackQuery)
    opened = ctx.bot.open_callbacks.pop(params.callback_query_id, None)
    if opened is None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    chat_id, message_id = opened
    ctx.bot.callback_answers.append(
        CallbackAnswer(
            callback_query_id=params.callback_query_id,
            chat_id=chat_id,
            message_id=message_id,
            text=params.text,
            show_alert=params.show_alert,
            url=params.url,
            time=time.time(),
        )
    )
    del ctx.bot.callback_answers[: -ctx.services.config.max_log_per_bot]
    ctx.bot.answers_signal.notify()
    chat = ctx.bot.chats.get(chat_id)
    if params.text and chat is not None:
        chat.notice(params.text, show_alert=bool(params.show_alert))
    return True


async def get_file(ctx: MethodContext, raw: dict[str, Any]) -> File:
    params = p.decode(raw, p.GetFile)
    stored = ctx.state.files.get(params.file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    return File(
        file_id=stored.file_id,
        file_unique_id=stored.file_unique_id,
        file_size=len(stored.data),
        file_path=f"documents/{stored.file_id}",
    )


MESSAGE_METHODS: dict[str, Handler] = {
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "senddocument": send_document,
    "sendphoto": send_photo,
    "sendchataction": send_chat_action,
    "answercallbackquery": answer_callback_query,
    "getfile": get_file,
}
