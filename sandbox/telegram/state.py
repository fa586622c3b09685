"""The emulator's in-memory world: bots, users, chats and what every bot sent."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.telegram.errors import BotApiError, ControlError
from sandbox.telegram.objects import BotCommand, BotUser, Chat, Message, Update, User
from sandbox.telegram.signals import Signal

_TOKEN_SECRET_LENGTH = 35
_FIRST_BOT_ID = 7_000_000_001


def unix_now() -> int:
    return int(time.time())


@dataclass(slots=True)
class UserProfile:
    """A Telegram user the sandbox acts as."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "ru"

    def as_user(self) -> User:
        return User(
            id=self.id,
            is_bot=False,
            first_name=self.first_name,
            username=self.username,
            language_code=self.language_code,
        )

    def as_chat(self) -> Chat:
        return Chat(id=self.id, type="private", first_name=self.first_name, username=self.username)


@dataclass(slots=True)
class ChatEntry:
    """One message of a chat as it looks now; ``version`` is the chat version of its last change."""

    message: Message
    from_bot: bool
    version: int
    edited: bool = False


@dataclass(slots=True)
class KeyboardButton:
    text: str
    request_contact: bool = False


MAX_NOTICES = 20


@dataclass(frozen=True, slots=True)
class ChatNotice:
    """A callback answer's text as the user saw it: a toast, or an alert with an OK button."""

    version: int  # the chat version it appeared at
    text: str
    show_alert: bool


@dataclass(slots=True)
class ChatLog:
    """A private chat between one bot and one user, both directions."""

    next_message_id: int = 1
    version: int = 0
    last_user_version: int = 0
    messages: dict[int, ChatEntry] = field(default_factory=dict)
    reply_keyboard: list[list[KeyboardButton]] | None = None
    notices: list[ChatNotice] = field(default_factory=list)
    signal: Signal = field(default_factory=Signal)

    def add(self, message: Message, *, from_bot: bool) -> ChatEntry:
        self.version += 1
        entry = ChatEntry(message=message, from_bot=from_bot, version=self.version)
        self.messages[message.message_id] = entry
        if not from_bot:
            self.last_user_version = self.version
        self.signal.notify()
        return entry

    def notice(self, text: str, *, show_alert: bool) -> None:
        """Show a callback answer's text (the newest `MAX_NOTICES` are kept)."""
        self.version += 1
        self.notices.append(ChatNotice(version=self.version, text=text, show_alert=show_alert))
        del self.notices[:-MAX_NOTICES]
        self.signal.notify()

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def touch(self, entry: ChatEntry) -> None:
        self.version += 1
        entry.version = self.version
        entry.edited = True
        self.signal.notify()

    def remove(self, message_id: int) -> None:
        self.version += 1
        del self.messages[message_id]
        self.signal.notify()


@dataclass(slots=True)
class SentRecord:
    """One successful call of a bot's mutating method (params carry no secrets)."""

    seq: int
    method: str
    chat_id: int | None
    params: dict[str, Any]
    message: Message | None
    time: float


@dataclass(slots=True)
class CallbackAnswer:
    callback_query_id: str
    chat_id: int
    message_id: int
    text: str | None
    show_alert: bool
    url: str | None
    time: float


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    data: bytes


@dataclass(slots=True, eq=False)
class Bot:
    """A bot and everything the sandbox knows about it; nothing runs for it while idle."""

    id: int
    token: str
    username: str
    first_name: str
    revoked: bool = False
    webhook_url: str = ""
    webhook_secret: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    pending: deque[Update] = field(default_factory=deque)
    next_update_id: int = field(default_factory=lambda: secrets.randbelow(10**8) + 10**8)
    commands: dict[str, list[BotCommand]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    chats: dict[int, ChatLog] = field(default_factory=dict)
    sent: deque[SentRecord] = field(default_factory=deque)
    next_seq: int = 1
    open_callbacks: dict[str, tuple[int, int]] = field(default_factory=dict)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    updates_signal: Signal = field(default_factory=Signal)
    answers_signal: Signal = field(default_factory=Signal)
    poll_generation: int = 0
    delivery_lock: asyncio.Lock | None = None
    retry_task: asyncio.Task[None] | None = None
    backing_off: bool = False
    attempt_waiters: dict[int, asyncio.Future[int | None]] = field(default_factory=dict)
    # Injected failures: lower-cased method -> (HTTP status, calls left to fail; -1 = all).
    faults: dict[str, tuple[int, int]] = field(default_factory=dict)

    def as_user(self) -> BotUser:
        return BotUser(
            id=self.id,
            is_bot=True,
            first_name=self.first_name,
            username=self.username,
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )

    def chat(self, chat_id: int) -> ChatLog:
        log = self.chats.get(chat_id)
        if log is None:
            log = self.chats[chat_id] = ChatLog()
        return log

    def chat_instance(self, chat_id: int) -> str:
        return str((self.id * 1_000_003) ^ (chat_id * 7_919))

    def take_update_id(self) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        return update_id

    def record(
        self,
        method: str,
        params: dict[str, Any],
        message: Message | None,
        chat_id: int | None,
        limit: int,
    ) -> None:
        self.sent.append(SentRecord(self.next_seq, method, chat_id, params, message, time.time()))
        self.next_seq += 1
        while len(self.sent) > limit:
            self.sent.popleft()


@dataclass(slots=True)
class Stats:
    updates_created: int = 0
    updates_delivered: int = 0
    webhook_failures: int = 0
    messages_sent: int = 0
    messages_edited: int = 0
    too_many_requests: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class SandboxState:
    """Every bot and user of one running emulator, indexed the ways requests need them."""

    bots_by_token: dict[str, Bot] = field(default_factory=dict)
    bots_by_username: dict[str, Bot] = field(default_factory=dict)
    bots_by_id: dict[int, Bot] = field(default_factory=dict)
    users: dict[int, UserProfile] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)
    next_bot_id: int = _FIRST_BOT_ID

    def create_bot(self, username: str, first_name: str, token: str | None = None) -> Bot:
        existing = self.bots_by_username.get(username.lower())
        if existing is not None:
            return existing
        if token is None:
            bot_id = self._take_bot_id()
            token = f"{bot_id}:{secrets.token_urlsafe(32)[:_TOKEN_SECRET_LENGTH]}"
        else:
            bot_id = _bot_id_of(token)
            if bot_id in self.bots_by_id:
                raise ControlError(409, "token or bot id already in use")
        bot = Bot(id=bot_id, token=token, username=username, first_name=first_name)
        self.bots_by_token[token] = bot
        self.bots_by_username[username.lower()] = bot
        self.bots_by_id[bot_id] = bot
        return bot

    def bot_by_token(self, token: str) -> Bot:
        bot = self.bots_by_token.get(token)
        if bot is None or bot.revoked:
            raise BotApiError(401, "Unauthorized")
        return bot

    def bot_by_username(self, username: str) -> Bot:
        bot = self.bots_by_username.get(username.lstrip("@").lower())
        if bot is None:
            raise ControlError(404, "no such bot")
        return bot

    def user(
        self, user_id: int, first_name: str | None = None, **profile: str | None
    ) -> UserProfile:
        """The user with ``user_id``, created or updated from the given profile fields."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = UserProfile(id=user_id, first_name=f"User {user_id}")
        if first_name:
            user.first_name = first_name
        if profile.get("username"):
            user.username = profile["username"]
        if profile.get("language_code"):
            user.language_code = profile["language_code"]
        return user

    def _take_bot_id(self) -> int:
        while self.next_bot_id in self.bots_by_id:
            self.next_bot_id += 1
        bot_id = self.next_bot_id
        self.next_bot_id += 1
        return bot_id


def _bot_id_of(token: str) -> int:
    head, sep, tail = token.partition(":")
    if not sep or not head.isdigit() or not tail:
        raise ControlError(400, "a token looks like '<bot id>:<secret>'")
    return int(head)
