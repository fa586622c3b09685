"""A cheaper Bot API session for the hot path: JSON bodies and response types built once.

aiogram's `AiohttpSession` encodes every call as multipart form data (nested objects as JSON
strings inside it) and validates every answer with `Response[T]`, a pydantic generic that is
parametrised anew per call once the previous class was garbage-collected (pydantic keeps them
only weakly): a profile of booking showed ~9 % of its CPU building model classes there.

`JsonBotSession` sends calls without files as one `application/json` body (Telegram and the
sandbox accept it; nested objects stay objects) and keeps a strong reference to every
`Response[T]` it has used, so each is built once per process. Calls that upload a file go
through the ordinary multipart path. Errors are raised exactly as aiogram raises them
(`check_response` is aiogram's), so the middlewares in `shared.telegram` work unchanged.
"""

from __future__ import annotations

from typing import Any, cast

import msgspec
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError, ClientTimeout

from shared.settings import TelegramSettings
from shared.telegram import REQUEST_TIMEOUT_SECONDS, TolerateAnsweredCallback, WaitOnFloodControl

_JSON_HEADERS = {"Content-Type": "application/json"}


class JsonBotSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Response[T] by T: held here so pydantic's weak cache never has to rebuild them
        self._response_types: dict[Any, type[Response[Any]]] = {}
        self._encoder = msgspec.json.Encoder()

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

    def json_body(self, bot: Bot, method: TelegramMethod[TelegramType]) -> bytes | None:
        """The call as one JSON object, or None when it uploads a file (multipart then).

        Top-level empty values are left out, as aiogram's form encoding leaves them out."""
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or (not isinstance(prepared, dict | list) and not prepared):
                continue
            body[key] = prepared
        if files:
            return None
        return self._encoder.encode(body)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=body,
                headers=_JSON_HEADERS,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as resp:
                raw = await resp.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=method, message=message) from error
        response = self.check_response(bot, method, resp.status, raw)
        return cast("TelegramType", response.result)


def make_json_session(
    settings: TelegramSettings, *, limit: int = 200, interactive: bool = True
) -> JsonBotSession:
    """`shared.telegram.make_session`, with the cheaper session (same middlewares, timeout)."""
    options: dict[str, Any] = {"limit": limit, "timeout": REQUEST_TIMEOUT_SECONDS}
    if settings.is_sandbox:
        options["api"] = TelegramAPIServer.from_base(settings.api_base)
    session = JsonBotSession(**options)
    session.middleware(TolerateAnsweredCallback())
    if interactive:
        session.middleware(WaitOnFloodControl())
    return session


__all__ = ["JsonBotSession", "make_json_session"]
