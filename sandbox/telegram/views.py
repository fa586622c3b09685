"""Read models of the control API: chats as a user sees them, logs, stats, long polls on chats."""

from __future__ import annotations

import asyncio

from sandbox.telegram.models import (
    BotInfo,
    Button,
    CallbackAnswerItem,
    ChatMessage,
    ChatView,
    Notice,
    SandboxStats,
    SentItem,
)
from sandbox.telegram.state import Bot, ChatEntry, SandboxState


def bot_info(bot: Bot) -> BotInfo:
    return BotInfo(
        id=bot.id,
        token=bot.token,
        username=bot.username,
        first_name=bot.first_name,
        revoked=bot.revoked,
        webhook_url=bot.webhook_url,
        webhook_secret=bot.webhook_secret,
        pending_update_count=len(bot.pending),
        last_error_message=bot.last_error_message,
    )


def chat_message(entry: ChatEntry) -> ChatMessage:
    message = entry.message
    markup = message.reply_markup
    buttons = [
        [Button(text=b.text, callback_data=b.callback_data, url=b.url) for b in row]
        for row in (markup.inline_keyboard if markup else [])
    ]
    return ChatMessage(
        message_id=message.message_id,
        from_bot=entry.from_bot,
        date=message.date,
        version=entry.version,
        edited=entry.edited,
        text=message.text,
        entities=message.entities,
        caption=message.caption,
        document=message.document,
        photo=message.photo,
        contact=message.contact,
        buttons=buttons,
    )


def chat_view(bot: Bot, chat_id: int) -> ChatView:
    chat = bot.chats.get(chat_id)
    if chat is None:
        return ChatView(chat_id=chat_id, version=0, messages=[])
    keyboard = None
    if chat.reply_keyboard is not None:
        keyboard = [
            [Button(text=b.text, request_contact=b.request_contact) for b in row]
            for row in chat.reply_keyboard
        ]
    messages = [chat_message(entry) for entry in chat.messages.values()]
    notices = [
        Notice(version=notice.version, text=notice.text, show_alert=notice.show_alert)
        for notice in chat.notices
    ]
    return ChatView(
        chat_id=chat_id,
        version=chat.version,
        messages=messages,
        keyboard=keyboard,
        notices=notices,
    )


async def wait_chat_change(bot: Bot, chat_id: int, known_version: int, seconds: float) -> None:
    """Return once the chat's version passes ``known_version`` or ``seconds`` pass."""
    chat = bot.chat(chat_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while chat.version <= known_version and await chat.signal.wait(deadline - loop.time()):
        pass


async def wait_bot_messages(
    bot: Bot, chat_id: int, after_message_id: int, after_version: int | None, seconds: float
) -> list[ChatMessage] | None:
    """The bot's messages newer than ``after_message_id`` or edited since ``after_version``.

    Without ``after_version``, edits count when made after the user's latest action in the
    chat, so "press a button, then wait" sees the edit whether it landed before or after.
    """
    chat = bot.chat(chat_id)
    since = chat.last_user_version if after_version is None else after_version
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        found = [
            chat_message(entry)
            for entry in chat.messages.values()
            if entry.from_bot
            and (
                entry.message.message_id > after_message_id
                or (entry.edited and entry.version > since)
            )
        ]
        if found:
            return found
        if not await chat.signal.wait(deadline - loop.time()):
            return None


def sent_items(bot: Bot, chat_id: int | None, after_seq: int) -> list[SentItem]:
    return [
        SentItem(
            seq=record.seq,
            method=record.method,
            chat_id=record.chat_id,
            params=record.params,
            message=record.message,
            time=record.time,
        )
        for record in bot.sent
        if record.seq > after_seq and (chat_id is None or record.chat_id == chat_id)
    ]


def callback_answers(bot: Bot, chat_id: int | None) -> list[CallbackAnswerItem]:
    return [
        CallbackAnswerItem(
            callback_query_id=answer.callback_query_id,
            chat_id=answer.chat_id,
            message_id=answer.message_id,
            text=answer.text,
            show_alert=answer.show_alert,
            url=answer.url,
            time=answer.time,
        )
        for answer in bot.callback_answers
        if chat_id is None or answer.chat_id == chat_id
    ]


def stats(state: SandboxState) -> SandboxStats:
    counters = state.stats
    return SandboxStats(
        bots=len(state.bots_by_token),
        updates_created=counters.updates_created,
        updates_delivered=counters.updates_delivered,
        webhook_failures=counters.webhook_failures,
        messages_sent=counters.messages_sent,
        messages_edited=counters.messages_edited,
        too_many_requests=dict(counters.too_many_requests),
        too_many_requests_total=sum(counters.too_many_requests.values()),
    )
