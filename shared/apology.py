"""The one message a person gets when their update could not be handled in time.

An interactive update (a tenant bot's, the sales bot's, the operator bot's) that keeps failing
for an infrastructure reason is retried for a bounded age (`RetryPolicy.interactive`); after
that the consumer gives up and calls `Apology.send`: the pressed button (if any) gets a short
answer and the chat gets one "that did not work, please try again" in the person's language.
Failures here are the caller's to log; nothing is retried.
"""

from __future__ import annotations

import contextlib

import msgspec
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from shared.i18n import Catalog

TRY_AGAIN = "try_again"


class _User(msgspec.Struct):
    id: int
    language_code: str | None = None


class _Chat(msgspec.Struct):
    id: int


class _Message(msgspec.Struct):
    chat: _Chat
    from_: _User | None = msgspec.field(default=None, name="from")


class _Callback(msgspec.Struct):
    id: str
    from_: _User = msgspec.field(name="from")
    message: _Message | None = None


class _Update(msgspec.Struct):
    update_id: int
    message: _Message | None = None
    callback_query: _Callback | None = None


class Asker(msgspec.Struct, frozen=True, kw_only=True):
    """Who sent an update, as far as an apology needs."""

    chat_id: int
    language_code: str | None = None
    callback_query_id: str | None = None


def who_asked(payload: bytes) -> Asker | None:
    """The person behind a raw update, or None for an update no one is waiting on."""
    try:
        update = msgspec.json.decode(payload, type=_Update)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message is not None else query.from_.id
        return Asker(
            chat_id=chat,
            language_code=query.from_.language_code,
            callback_query_id=query.id,
        )
    if update.message is not None:
        sender = update.message.from_
        return Asker(
            chat_id=update.message.chat.id,
            language_code=sender.language_code if sender is not None else None,
        )
    return None


class Apology:
    def __init__(self, texts: Catalog) -> None:
        self._texts = texts

    async def send(self, bot: Bot, payload: bytes) -> None:
        asker = who_asked(payload)
        if asker is None:
            return
        text = self._texts.text(self._texts.locale_for(asker.language_code), TRY_AGAIN)
        if asker.callback_query_id is not None:
            # Telegram expires a query after a while; the chat message below is what counts.
            with contextlib.suppress(TelegramAPIError):
                await bot.answer_callback_query(asker.callback_query_id, text=text[:200])
        await bot.send_message(asker.chat_id, text)
