"""What the control API sends and receives; the client decodes into the same Structs."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from sandbox.telegram.objects import Contact, Document, Message, MessageEntity, PhotoSize


class Model(msgspec.Struct, frozen=True, kw_only=True):
    """Base of the control API's models."""


class SandboxBot(Model, frozen=True, kw_only=True):
    id: int
    token: str
    username: str
    first_name: str = ""


class BotInfo(SandboxBot, frozen=True, kw_only=True):
    revoked: bool
    webhook_url: str
    webhook_secret: str | None
    pending_update_count: int
    last_error_message: str | None


class DeliveryResult(Model, frozen=True, kw_only=True):
    """How a new update went: POSTed to the webhook (with its status), queued, or filtered out.

    ``webhook_status`` is ``None`` when the POST failed to connect or when earlier updates are
    still being retried, so this one waits its turn in order.
    """

    update_id: int
    delivery: Literal["webhook", "queued", "filtered"]
    webhook_status: int | None = None


class Button(Model, frozen=True, kw_only=True):
    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False


class ChatMessage(Model, frozen=True, kw_only=True):
    """A message as the chat shows it now (after edits); ``buttons`` is the inline keyboard."""

    message_id: int
    from_bot: bool
    date: int
    version: int
    edited: bool = False
    text: str | None = None
    entities: list[MessageEntity] | None = None
    caption: str | None = None
    document: Document | None = None
    photo: list[PhotoSize] | None = None
    contact: Contact | None = None
    buttons: list[list[Button]] = msgspec.field(default_factory=list)

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def button(self, text: str) -> Button:
        """The inline button labelled ``text`` (exactly, or else the first containing it)."""
        flat = [button for row in self.buttons for button in row]
        for candidates in (
            [b for b in flat if b.text == text],
            [b for b in flat if text in b.text],
        ):
            if candidates:
                return candidates[0]
        msg = f"no button {text!r} among {self.button_texts}"
        raise KeyError(msg)


class Notice(Model, frozen=True, kw_only=True):
    """A callback answer's text: a toast, or (``show_alert``) an alert the user must close."""

    version: int
    text: str
    show_alert: bool


class ChatView(Model, frozen=True, kw_only=True):
    chat_id: int
    version: int
    messages: list[ChatMessage]
    keyboard: list[list[Button]] | None = None
    notices: list[Notice] = []


class SentItem(Model, frozen=True, kw_only=True):
    seq: int
    method: str
    chat_id: int | None
    params: dict[str, Any]
    message: Message | None
    time: float


class CallbackAnswerItem(Model, frozen=True, kw_only=True):
    callback_query_id: str
    chat_id: int
    message_id: int
    text: str | None
    show_alert: bool
    url: str | None
    time: float


class SandboxStats(Model, frozen=True, kw_only=True):
    bots: int
    updates_created: int
    updates_delivered: int
    webhook_failures: int
    messages_sent: int
    messages_edited: int
    too_many_requests: dict[str, int]
    too_many_requests_total: int


class CreateBot(Model, frozen=True, kw_only=True):
    username: str
    first_name: str = ""
    token: str | None = None


class UserMessage(Model, frozen=True, kw_only=True):
    text: str
    first_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class StartedUsers(Model, frozen=True, kw_only=True):
    """Users who opened the bot before now (a crowd for a broadcast or a load test)."""

    user_ids: list[int]


class UserPhoto(Model, frozen=True, kw_only=True):
    """A user sends a picture (the image's bytes, base64 in JSON) with an optional caption."""

    image: bytes
    caption: str = ""
    first_name: str | None = None
    language_code: str | None = None


class UserContact(Model, frozen=True, kw_only=True):
    phone_number: str
    first_name: str | None = None
    language_code: str | None = None


class InjectFault(Model, frozen=True, kw_only=True):
    """Make a Bot API method of one bot fail: `times` calls (-1: until cleared, 0: clear)."""

    method: str
    status: int = 502
    times: int = -1


class UserCallback(Model, frozen=True, kw_only=True):
    message_id: int
    data: str
    force: bool = False
    language_code: str | None = None
