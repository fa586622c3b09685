"""Sending one delivery: the right bot's token; Telegram's answer as a `SendResult`.

The call is one JSON POST over the shared aiogram session's HTTP connection pool, its answer
decoded with msgspec into the few fields read (no pydantic models per call: at thousands of
messages a second they cost more than the rest of the send); errors are classified as aiogram
classifies them.

A tenant's token comes from the tenant directory (NATS KV), unsealed with the platform key (each
sealed value opened once and kept in a small bounded cache: unsealing costs more than the rest of
a send's own work, and a rotated token is a new sealed value); the sales bot's from settings.
Tokens are never logged. A new connection gives up after `request_timeout`; a whole call is
cut off by the dispatcher's timer for its chunk (one timer for many calls, below the row's
lease), and a call that times out is a `Transient` answer.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from http import HTTPStatus
from typing import cast

import aiohttp
import msgspec
from aiogram.client.session.aiohttp import AiohttpSession

from services.notifier.ports import (
    Blocked,
    Claimed,
    Inactive,
    Markup,
    Rejected,
    RetryAfter,
    SendResult,
    Sent,
    TenantProfile,
    Transient,
    Via,
)
from shared.crypto import Sealer, SealError
from shared.settings import Secret
from shared.telegram import Bots
from shared.tenants import TenantDirectory

log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode
_JSON = {"Content-Type": "application/json"}


class _Message(msgspec.Struct):
    message_id: int


class _Parameters(msgspec.Struct):
    retry_after: float | None = None
    migrate_to_chat_id: int | None = None


class _Answer(msgspec.Struct):
    """The part of a Bot API answer the notifier reads (decoded without building models)."""

    ok: bool
    result: _Message | None = None
    description: str = ""
    parameters: _Parameters | None = None


_decode = msgspec.json.Decoder(_Answer).decode


def _result(status: int, raw: bytes) -> SendResult:
    """Telegram's answer as a `SendResult`, classified as aiogram classifies its errors."""
    try:
        answer = _decode(raw)
    except msgspec.DecodeError:
        return Transient(f"TelegramNetworkError: HTTP {status} with an unreadable body")
    if answer.ok and answer.result is not None:
        return Sent(answer.result.message_id)
    return _failure(status, answer)


def _failure(status: int, answer: _Answer) -> SendResult:
    detail = answer.description or f"HTTP {status}"
    parameters = answer.parameters
    if parameters is not None and parameters.retry_after is not None:
        return RetryAfter(float(parameters.retry_after))
    if parameters is not None and parameters.migrate_to_chat_id is not None:
        return Rejected(f"TelegramMigrateToChat: {detail}")
    if status == HTTPStatus.FORBIDDEN:
        return Blocked(detail)
    if status in _REJECTED:
        return Rejected(f"{_REJECTED[status]}: {detail}")
    server = status >= HTTPStatus.INTERNAL_SERVER_ERROR
    kind = "TelegramServerError" if server else "TelegramAPIError"
    return Transient(f"{kind}: {detail}")


_REJECTED: dict[int, str] = {
    HTTPStatus.BAD_REQUEST: "TelegramBadRequest",
    HTTPStatus.NOT_FOUND: "TelegramNotFound",
    HTTPStatus.UNAUTHORIZED: "TelegramUnauthorizedError",
}
_SENDS_TO = frozenset({"active", "grace"})
TOKEN_CACHE_SIZE = 2048  # about as many bots as `Bots` keeps


class _Unsealed:
    """Sealed token -> token, least recently used first out; never more than `size` entries."""

    def __init__(self, sealer: Sealer, size: int = TOKEN_CACHE_SIZE) -> None:
        self._sealer = sealer
        self._size = size
        self._tokens: OrderedDict[str, Secret] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tokens)

    def open(self, sealed: str) -> Secret:
        """The token; raises `SealError` (and remembers nothing) when it does not unseal."""
        token = self._tokens.get(sealed)
        if token is not None:
            self._tokens.move_to_end(sealed)
            return token
        token = self._sealer.unseal(sealed)
        self._tokens[sealed] = token
        if len(self._tokens) > self._size:
            self._tokens.popitem(last=False)
        return token


class TelegramSender:
    def __init__(
        self,
        *,
        bots: Bots,
        directory: TenantDirectory,
        sealer: Sealer,
        sales_token: Secret,
        request_timeout: float = 15.0,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=max(1, math.floor(request_timeout))
        )
        self._bots = bots
        self._directory = directory
        self._unsealed = _Unsealed(sealer)
        self._sales_token = sales_token

    async def send(self, row: Claimed) -> SendResult:
        token = await self._token(row.tenant_id, row.via)
        if not isinstance(token, Secret):
            return token
        body: dict[str, object] = {"chat_id": row.chat_id, "parse_mode": "HTML"}
        if row.photo:  # a broadcast's picture: its text is the caption
            method, body["photo"], body["caption"] = "sendPhoto", row.photo, row.text
        else:
            method, body["text"] = "sendMessage", row.text
        if row.reply_markup:
            body["reply_markup"] = row.reply_markup
        return await self._call(token, method, body)

    async def edit(
        self, tenant_id: str, chat_id: int, message_id: int, text: str, markup: Markup | None
    ) -> SendResult:
        """Edit a text message of the tenant's bot (a broadcast's progress); without `markup`
        its buttons go."""
        token = await self._token(tenant_id, "tenant")
        if not isinstance(token, Secret):
            return token
        body: dict[str, object] = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "parse_mode": "HTML",
            "reply_markup": markup or {"inline_keyboard": []},
        }
        return await self._call(token, "editMessageText", body)

    async def _call(self, token: Secret, method: str, body: dict[str, object]) -> SendResult:
        bot = self._bots.get(token)
        session = cast("AiohttpSession", bot.session)  # `shared.telegram.make_session`'s
        http = await session.create_session()
        try:
            async with http.post(
                session.api.api_url(token=bot.token, method=method),
                data=_encode(body),
                headers=_JSON,
                timeout=self._timeout,
            ) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:  # its text may carry the URL
            return Transient(f"TelegramNetworkError: {type(error).__name__}")
        return _result(status, raw)

    async def _token(self, tenant_id: str, via: Via) -> Secret | SendResult:
        if via == "sales":
            return self._sales_token if self._sales_token else Rejected("no SALES_BOT_TOKEN set")
        config = await self._directory.get(tenant_id)
        if config is None:
            return Inactive("tenant unknown")
        if config.status not in _SENDS_TO:
            return Inactive(f"tenant {config.status}")
        try:
            return self._unsealed.open(config.bot_token_sealed)
        except SealError:
            return Rejected("the tenant's bot token does not unseal")


class DirectoryProfiles:
    """`TenantProfiles` over the tenant directory: the tenant's zone and language, if known."""

    def __init__(self, directory: TenantDirectory) -> None:
        self._directory = directory

    async def get(self, tenant_id: str) -> TenantProfile | None:
        config = await self._directory.get(tenant_id)
        if config is None:
            return None
        return TenantProfile(timezone=config.timezone, locale=config.locale)
