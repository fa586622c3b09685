"""The control API under ``/sandbox``: make bots and act as their users, read what they sent."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from sandbox.telegram import views
from sandbox.telegram.context import Services
from sandbox.telegram.errors import ControlError
from sandbox.telegram.models import (
    BotInfo,
    CallbackAnswerItem,
    ChatMessage,
    ChatView,
    CreateBot,
    DeliveryResult,
    InjectFault,
    SandboxBot,
    SandboxStats,
    SentItem,
    StartedUsers,
    UserCallback,
    UserContact,
    UserMessage,
    UserPhoto,
)
from sandbox.telegram.objects import Update
from sandbox.telegram.state import Stats
from sandbox.telegram.user_actions import UserActions, UserProfileIn

_MAX_WAIT = 120.0
_OK = 200


class ControlController(Controller):
    path = "/sandbox"
    include_in_schema = True

    @get("/healthz")
    async def healthz(self) -> dict[str, bool]:
        return {"ok": True}

    @post("/bots", status_code=_OK)
    async def create_bot(
        self, data: JSONBody[CreateBot], services: NamedDependency[Services]
    ) -> SandboxBot:
        bot = services.state.create_bot(
            data.username.lstrip("@"), data.first_name or data.username, data.token
        )
        return SandboxBot(
            id=bot.id, token=bot.token, username=bot.username, first_name=bot.first_name
        )

    @get("/bots")
    async def list_bots(self, services: NamedDependency[Services]) -> list[BotInfo]:
        return [views.bot_info(bot) for bot in services.state.bots_by_username.values()]

    @get("/bots/{username:str}")
    async def bot_info(
        self, username: FromPath[str], services: NamedDependency[Services]
    ) -> BotInfo:
        return views.bot_info(services.state.bot_by_username(username))

    @post("/bots/{username:str}/revoke", status_code=_OK)
    async def revoke(self, username: FromPath[str], services: NamedDependency[Services]) -> BotInfo:
        bot = services.state.bot_by_username(username)
        bot.revoked = True
        bot.updates_signal.notify()
        return views.bot_info(bot)

    @post("/bots/{username:str}/faults", status_code=_OK)
    async def inject_fault(
        self,
        username: FromPath[str],
        data: JSONBody[InjectFault],
        services: NamedDependency[Services],
    ) -> dict[str, int]:
        """The next `times` calls of `method` fail with `status` (a Bot API outage)."""
        bot = services.state.bot_by_username(username)
        method = data.method.lower()
        if data.times == 0:
            bot.faults.pop(method, None)
        else:
            bot.faults[method] = (data.status, data.times)
        return {name: left for name, (_, left) in bot.faults.items()}

    @get("/bots/{username:str}/faults")
    async def faults(
        self, username: FromPath[str], services: NamedDependency[Services]
    ) -> dict[str, int]:
        bot = services.state.bot_by_username(username)
        return {name: left for name, (_, left) in bot.faults.items()}

    @post("/bots/{username:str}/malformed", status_code=_OK)
    async def malformed(
        self, username: FromPath[str], services: NamedDependency[Services]
    ) -> DeliveryResult:
        """Queue an update no client can accept (a negative `update_id`, nothing in it)."""
        bot = services.state.bot_by_username(username)
        update = Update(update_id=-bot.next_update_id)
        bot.pending.append(update)
        bot.updates_signal.notify()
        return DeliveryResult(update_id=update.update_id, delivery="queued")

    @post("/bots/{username:str}/users/{user_id:int}/message", status_code=_OK)
    async def user_message(
        self,
        username: FromPath[str],
        user_id: FromPath[int],
        data: JSONBody[UserMessage],
        services: NamedDependency[Services],
        actions: NamedDependency[UserActions],
    ) -> DeliveryResult:
        bot = services.state.bot_by_username(username)
        profile = UserProfileIn(
            first_name=data.first_name, username=data.username, language_code=data.language_code
        )
        return await actions.send_text(bot, user_id, data.text, profile)

    @post("/bots/{username:str}/users/{user_id:int}/contact", status_code=_OK)
    async def user_contact(
        self,
        username: FromPath[str],
        user_id: FromPath[int],
        data: JSONBody[UserContact],
        services: NamedDependency[Services],
        actions: NamedDependency[UserActions],
    ) -> DeliveryResult:
        bot = services.state.bot_by_username(username)
        profile = UserProfileIn(first_name=data.first_name, language_code=data.language_code)
        return await actions.share_contact(bot, user_id, data.phone_number, profile)

    @post("/bots/{username:str}/users/{user_id:int}/photo", status_code=_OK)
    async def user_photo(
        self,
        username: FromPath[str],
        user_id: FromPath[int],
        data: JSONBody[UserPhoto],
        services: NamedDependency[Services],
        actions: NamedDependency[UserActions],
    ) -> DeliveryResult:
        bot = services.state.bot_by_username(username)
        profile = UserProfileIn(first_name=data.first_name, language_code=data.language_code)
        return await actions.send_photo(bot, user_id, data.image, data.caption, profile)

    @post("/bots/{username:str}/users/{user_id:int}/callback", status_code=_OK)
    async def user_callback(
        self,
        username: FromPath[str],
        user_id: FromPath[int],
        data: JSONBody[UserCallback],
        services: NamedDependency[Services],
        actions: NamedDependency[UserActions],
    ) -> DeliveryResult:
        bot = services.state.bot_by_username(username)
        profile = UserProfileIn(language_code=data.language_code)
        return await actions.press(
            bot, user_id, data.message_id, data.data, force=data.force, profile=profile
        )

    @post("/bots/{username:str}/started", status_code=_OK)
    async def started(
        self,
        username: FromPath[str],
        data: JSONBody[StartedUsers],
        services: NamedDependency[Services],
    ) -> dict[str, int]:
        """Users who pressed Start some time ago: the bot may write to them; no update is
        queued (the bot saw their /start back then)."""
        bot = services.state.bot_by_username(username)
        for user_id in data.user_ids:
            bot.started.add(services.state.user(user_id).id)
        return {"started": len(data.user_ids)}

    @post("/bots/{username:str}/users/{user_id:int}/block", status_code=_OK)
    async def block(
        self,
        username: FromPath[str],
        user_id: FromPath[int],
        services: NamedDependency[Services],
        actions: NamedDependency[UserActions],
    ) -> DeliveryResult:
        return await actions.set_blocked(
            services.state.bot_by_username(username), user_id, blocked=True
        )

    @post("/bots/{username:str}/users/{user_id:int}/unblock", status_code=_OK)
    async def unblock(
        self,
        username: FromPath[str],
        user_id: FromPath[int],
        services: NamedDependency[Services],
        actions: NamedDependency[UserActions],
    ) -> DeliveryResult:
        return await actions.set_blocked(
            services.state.bot_by_username(username), user_id, blocked=False
        )

    @get("/bots/{username:str}/sent")
    async def sent(
        self,
        username: FromPath[str],
        services: NamedDependency[Services],
        chat_id: FromQuery[int | None] = None,
        after_seq: FromQuery[int] = 0,
    ) -> list[SentItem]:
        return views.sent_items(services.state.bot_by_username(username), chat_id, after_seq)

    @get("/bots/{username:str}/chats/{chat_id:int}/messages")
    async def chat(
        self,
        *,
        username: FromPath[str],
        chat_id: FromPath[int],
        services: NamedDependency[Services],
        changed_since: FromQuery[int | None] = None,
        seconds: Annotated[float, QueryParameter(name="timeout", le=_MAX_WAIT, ge=0)] = 25.0,
    ) -> ChatView:
        """The chat now; with ``changed_since`` it first waits for a newer chat version."""
        bot = services.state.bot_by_username(username)
        if changed_since is not None:
            await views.wait_chat_change(bot, chat_id, changed_since, seconds)
        return views.chat_view(bot, chat_id)

    @get("/bots/{username:str}/chats/{chat_id:int}/wait")
    async def wait(
        self,
        *,
        username: FromPath[str],
        chat_id: FromPath[int],
        services: NamedDependency[Services],
        after_message_id: FromQuery[int] = 0,
        after_version: FromQuery[int | None] = None,
        seconds: Annotated[float, QueryParameter(name="timeout", le=_MAX_WAIT, ge=0)] = 10.0,
    ) -> Response[list[ChatMessage] | dict[str, str]]:
        bot = services.state.bot_by_username(username)
        found = await views.wait_bot_messages(
            bot, chat_id, after_message_id, after_version, seconds
        )
        if found is None:
            return Response({"error": "no new bot message before the timeout"}, status_code=408)
        return Response(found)

    @get("/bots/{username:str}/callback_answers")
    async def callback_answers(
        self,
        username: FromPath[str],
        services: NamedDependency[Services],
        chat_id: FromQuery[int | None] = None,
        more_than: FromQuery[int] = -1,
        timeout: FromQuery[float] = 0.0,
    ) -> list[CallbackAnswerItem]:
        """The bot's callback answers; with `more_than` and `timeout`, long-polls until there
        are more than `more_than` of them (or the timeout passes: whatever there is)."""
        bot = services.state.bot_by_username(username)
        deadline = time.monotonic() + min(timeout, 60.0)
        found = views.callback_answers(bot, chat_id)
        while len(found) <= more_than and await bot.answers_signal.wait(
            deadline - time.monotonic()
        ):
            found = views.callback_answers(bot, chat_id)
        return found

    @get("/files/{file_id:str}")
    async def file(
        self, file_id: FromPath[str], services: NamedDependency[Services]
    ) -> Response[bytes]:
        stored = services.state.files.get(file_id)
        if stored is None:
            raise ControlError(404, "no such file")
        disposition = f"attachment; filename*=UTF-8''{quote(stored.file_name)}"
        return Response(
            stored.data, media_type=stored.mime_type, headers={"Content-Disposition": disposition}
        )

    @get("/stats")
    async def stats(self, services: NamedDependency[Services]) -> SandboxStats:
        return views.stats(services.state)

    @post("/reset-stats", status_code=_OK)
    async def reset_stats(self, services: NamedDependency[Services]) -> SandboxStats:
        services.state.stats = Stats()
        return views.stats(services.state)
