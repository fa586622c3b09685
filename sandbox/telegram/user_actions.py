"""Acting as a Telegram user: the updates a person's taps and messages produce."""

from __future__ import annotations

import secrets

import msgspec

from sandbox.telegram.context import Services
from sandbox.telegram.errors import BotApiError, ControlError
from sandbox.telegram.methods_messages import MAX_CAPTION, image_size
from sandbox.telegram.models import DeliveryResult
from sandbox.telegram.objects import (
    CallbackQuery,
    ChatMember,
    ChatMemberUpdated,
    Contact,
    Message,
    MessageEntity,
    PhotoSize,
    Update,
)
from sandbox.telegram.state import Bot, StoredFile, UserProfile, unix_now

_MAX_OPEN_CALLBACKS = 10_000


class UserProfileIn(msgspec.Struct, frozen=True, kw_only=True):
    """Optional profile fields a control request may set for the acting user."""

    first_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class UserActions:
    def __init__(self, services: Services) -> None:
        self._services = services

    def _user(self, bot: Bot, user_id: int, profile: UserProfileIn) -> UserProfile:
        user = self._services.state.user(
            user_id,
            profile.first_name,
            username=profile.username,
            language_code=profile.language_code,
        )
        if user.id in bot.blocked:
            raise ControlError(409, "the user has blocked this bot; unblock it first")
        return user

    async def send_text(
        self, bot: Bot, user_id: int, text: str, profile: UserProfileIn
    ) -> DeliveryResult:
        if not text:
            raise ControlError(400, "text is empty")
        entities = None
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities = [MessageEntity(type="bot_command", offset=0, length=len(command))]
        return await self._send(
            bot, self._user(bot, user_id, profile), text=text, entities=entities
        )

    async def share_contact(
        self, bot: Bot, user_id: int, phone_number: str, profile: UserProfileIn
    ) -> DeliveryResult:
        user = self._user(bot, user_id, profile)
        contact = Contact(
            phone_number=phone_number,
            first_name=profile.first_name or user.first_name,
            user_id=user.id,
        )
        return await self._send(bot, user, contact=contact)

    async def send_photo(
        self, bot: Bot, user_id: int, image: bytes, caption: str, profile: UserProfileIn
    ) -> DeliveryResult:
        """A picture from the user, stored like the bots' photos (its file_id works in
        sendPhoto); Telegram's sizes are one here, the picture as it came."""
        user = self._user(bot, user_id, profile)
        if len(caption) > MAX_CAPTION:
            raise ControlError(400, "the caption is too long")
        try:
            width, height = image_size(image)
        except BotApiError as error:
            raise ControlError(400, f"not a picture: {error.description}") from None
        stored = StoredFile(
            file_id=f"AgACAgIAAxk{secrets.token_urlsafe(48)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(8)}",
            file_name="photo.jpg",
            mime_type="image/jpeg",
            data=image,
        )
        self._services.state.files[stored.file_id] = stored
        size = PhotoSize(
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            width=width,
            height=height,
            file_size=len(image),
        )
        return await self._send(bot, user, photo=[size], caption=caption or None)

    async def _send(
        self,
        bot: Bot,
        user: UserProfile,
        *,
        text: str | None = None,
        entities: list[MessageEntity] | None = None,
        contact: Contact | None = None,
        photo: list[PhotoSize] | None = None,
        caption: str | None = None,
    ) -> DeliveryResult:
        bot.started.add(user.id)
        chat = bot.chat(user.id)
        message = Message(
            message_id=chat.take_message_id(),
            from_=user.as_user(),
            date=unix_now(),
            chat=user.as_chat(),
            text=text,
            entities=entities,
            contact=contact,
            photo=photo,
            caption=caption,
        )
        chat.add(message, from_bot=False)
        update = Update(update_id=bot.take_update_id(), message=message)
        return await self._services.dispatcher.dispatch(bot, update)

    async def press(
        self,
        bot: Bot,
        user_id: int,
        message_id: int,
        data: str,
        *,
        force: bool = False,
        profile: UserProfileIn | None = None,
    ) -> DeliveryResult:
        user = self._user(bot, user_id, profile or UserProfileIn())
        chat = bot.chats.get(user.id)
        entry = chat.messages.get(message_id) if chat is not None else None
        if chat is None or entry is None or not entry.from_bot:
            raise ControlError(404, "no such bot message in this chat")
        markup = entry.message.reply_markup
        buttons = [b for row in markup.inline_keyboard for b in row] if markup else []
        if not force and not any(b.callback_data == data for b in buttons):
            raise ControlError(409, "the message has no inline button with this callback_data")
        query_id = str(secrets.randbits(63))
        bot.open_callbacks[query_id] = (user.id, message_id)
        if len(bot.open_callbacks) > _MAX_OPEN_CALLBACKS:
            del bot.open_callbacks[next(iter(bot.open_callbacks))]
        chat.last_user_version = chat.version
        query = CallbackQuery(
            id=query_id,
            from_=user.as_user(),
            message=msgspec.structs.replace(entry.message),
            chat_instance=bot.chat_instance(user.id),
            data=data,
        )
        update = Update(update_id=bot.take_update_id(), callback_query=query)
        return await self._services.dispatcher.dispatch(bot, update)

    async def set_blocked(self, bot: Bot, user_id: int, *, blocked: bool) -> DeliveryResult:
        user = self._services.state.user(user_id)
        if blocked:
            bot.blocked.add(user.id)
        else:
            bot.blocked.discard(user.id)
        member = ChatMember(status="member", user=bot.as_user())
        kicked = ChatMember(status="kicked", user=bot.as_user(), until_date=0)
        change = ChatMemberUpdated(
            chat=user.as_chat(),
            from_=user.as_user(),
            date=unix_now(),
            old_chat_member=member if blocked else kicked,
            new_chat_member=kicked if blocked else member,
        )
        update = Update(update_id=bot.take_update_id(), my_chat_member=change)
        return await self._services.dispatcher.dispatch(bot, update)
