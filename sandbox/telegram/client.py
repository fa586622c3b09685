"""An async client of the control API, for tests, benchmarks and scripts."""

from __future__ import annotations

import base64
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import msgspec

from sandbox.telegram.models import (
    CallbackAnswerItem,
    ChatMessage,
    ChatView,
    DeliveryResult,
    SandboxBot,
    SandboxStats,
    SentItem,
)

_T = TypeVar("_T")
_TIMEOUT_STATUS = 408
BotRef = SandboxBot | str


class SandboxClientError(Exception):
    """The control API refused a request; ``status`` and ``detail`` say why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


def _name(bot: BotRef) -> str:
    return bot.username if isinstance(bot, SandboxBot) else bot.lstrip("@")


class TelegramSandboxClient:
    """Acts as Telegram users and reads what bots sent; ``bot`` takes a bot or its username."""

    def __init__(self, base_url: str, *, http: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=130.0))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    def bot_api_url(self, bot: SandboxBot, method: str) -> str:
        return f"{self.base_url}/bot{bot.token}/{method}"

    async def _call(
        self, verb: str, path: str, result: type[_T], *, json: Any = None, params: Any = None
    ) -> _T:
        response = await self._http.request(
            verb, f"{self.base_url}/sandbox{path}", json=json, params=params
        )
        if response.status_code >= 400:
            detail = response.text
            if response.headers.get("content-type", "").startswith("application/json"):
                detail = str(response.json().get("error", detail))
            if response.status_code == _TIMEOUT_STATUS:
                raise TimeoutError(detail)
            raise SandboxClientError(response.status_code, detail)
        return msgspec.json.decode(response.content, type=result)

    async def create_bot(
        self, username: str, first_name: str = "", token: str | None = None
    ) -> SandboxBot:
        body = {"username": username, "first_name": first_name or username, "token": token}
        return await self._call("POST", "/bots", SandboxBot, json=body)

    async def revoke(self, bot: BotRef) -> None:
        await self._call("POST", f"/bots/{_name(bot)}/revoke", dict)

    async def inject_fault(
        self, bot: BotRef, method: str, *, status: int = 502, times: int = -1
    ) -> None:
        """The bot's next `times` calls of `method` fail with `status` (-1: until cleared)."""
        body = {"method": method, "status": status, "times": times}
        await self._call("POST", f"/bots/{_name(bot)}/faults", dict, json=body)

    async def faults(self, bot: BotRef) -> dict[str, int]:
        """Injected failures still to come, by lower-cased method (-1: until cleared)."""
        return await self._call("GET", f"/bots/{_name(bot)}/faults", dict[str, int])

    async def clear_fault(self, bot: BotRef, method: str) -> None:
        await self.inject_fault(bot, method, times=0)

    async def malformed_update(self, bot: BotRef) -> DeliveryResult:
        """Queue an update with a negative `update_id` and nothing in it."""
        return await self._call("POST", f"/bots/{_name(bot)}/malformed", DeliveryResult)

    async def send_text(
        self,
        bot: BotRef,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> DeliveryResult:
        body = {
            "text": text,
            "first_name": first_name,
            "username": username,
            "language_code": language_code,
        }
        return await self._user_action(bot, user_id, "message", body)

    async def send_photo(
        self,
        bot: BotRef,
        user_id: int,
        image: bytes,
        *,
        caption: str = "",
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> DeliveryResult:
        """The user sends a picture (PNG/JPEG bytes) with a caption, as from their gallery."""
        body = {
            "image": base64.b64encode(image).decode(),
            "caption": caption,
            "first_name": first_name,
            "language_code": language_code,
        }
        return await self._user_action(bot, user_id, "photo", body)

    async def mark_started(self, bot: BotRef, user_ids: list[int]) -> None:
        """Users who opened the bot before now (no update is queued for them)."""
        path = f"/bots/{_name(bot)}/started"
        await self._call("POST", path, dict[str, int], json={"user_ids": user_ids})

    async def press(
        self, bot: BotRef, user_id: int, message_id: int, data: str, *, force: bool = False
    ) -> DeliveryResult:
        body = {"message_id": message_id, "data": data, "force": force}
        return await self._user_action(bot, user_id, "callback", body)

    async def share_contact(
        self, bot: BotRef, user_id: int, phone: str, *, first_name: str | None = None
    ) -> DeliveryResult:
        body = {"phone_number": phone, "first_name": first_name}
        return await self._user_action(bot, user_id, "contact", body)

    async def block(self, bot: BotRef, user_id: int) -> DeliveryResult:
        return await self._user_action(bot, user_id, "block", {})

    async def unblock(self, bot: BotRef, user_id: int) -> DeliveryResult:
        return await self._user_action(bot, user_id, "unblock", {})

    async def _user_action(
        self, bot: BotRef, user_id: int, action: str, body: dict[str, Any]
    ) -> DeliveryResult:
        path = f"/bots/{_name(bot)}/users/{user_id}/{action}"
        return await self._call("POST", path, DeliveryResult, json=body)

    async def wait_for_message(
        self,
        bot: BotRef,
        chat_id: int,
        after_message_id: int = 0,
        timeout: float = 10.0,
        *,
        after_version: int | None = None,
    ) -> list[ChatMessage]:
        """The bot's new messages (or edits since the user's last action); TimeoutError if none."""
        params: dict[str, Any] = {"after_message_id": after_message_id, "timeout": timeout}
        if after_version is not None:
            params["after_version"] = after_version
        path = f"/bots/{_name(bot)}/chats/{chat_id}/wait"
        return await self._call("GET", path, list[ChatMessage], params=params)

    async def chat(self, bot: BotRef, chat_id: int) -> ChatView:
        return await self._call("GET", f"/bots/{_name(bot)}/chats/{chat_id}/messages", ChatView)

    async def sent(
        self, bot: BotRef, chat_id: int | None = None, after_seq: int = 0
    ) -> list[SentItem]:
        params: dict[str, Any] = {"after_seq": after_seq}
        if chat_id is not None:
            params["chat_id"] = chat_id
        return await self._call("GET", f"/bots/{_name(bot)}/sent", list[SentItem], params=params)

    async def callback_answers(
        self,
        bot: BotRef,
        chat_id: int | None = None,
        *,
        more_than: int = -1,
        timeout: float = 0.0,
    ) -> list[CallbackAnswerItem]:
        """The bot's callback answers; waits up to `timeout` s for more than `more_than`."""
        params: dict[str, Any] = {"more_than": more_than, "timeout": timeout}
        if chat_id is not None:
            params["chat_id"] = chat_id
        path = f"/bots/{_name(bot)}/callback_answers"
        return await self._call("GET", path, list[CallbackAnswerItem], params=params)

    async def file(self, file_id: str) -> bytes:
        response = await self._http.get(f"{self.base_url}/sandbox/files/{file_id}")
        response.raise_for_status()
        return response.content

    async def stats(self) -> SandboxStats:
        return await self._call("GET", "/stats", SandboxStats)

    async def reset_stats(self) -> SandboxStats:
        return await self._call("POST", "/reset-stats", SandboxStats)
