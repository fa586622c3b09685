"""The Bot API edge: ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``, as Telegram has."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response, get, route
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.params import FromPath

from sandbox.telegram.context import Handler, MethodContext, Services
from sandbox.telegram.errors import BotApiError, bad_request
from sandbox.telegram.methods_bot import BOT_METHODS
from sandbox.telegram.methods_messages import MESSAGE_METHODS
from sandbox.telegram.objects import Message
from sandbox.telegram.params import Upload, chat_id_of, decode_json_fields
from sandbox.telegram.state import Bot

logger = logging.getLogger(__name__)

METHODS: dict[str, Handler] = {**BOT_METHODS, **MESSAGE_METHODS}
# Methods that change something; their successful calls go into the bot's sent log.
RECORDED = frozenset(
    {
        "sendmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "deletemessage",
        "senddocument",
        "sendphoto",
        "sendchataction",
        "answercallbackquery",
        "setwebhook",
        "deletewebhook",
        "setmycommands",
        "deletemycommands",
        "setmydescription",
        "setmyshortdescription",
    }
)
_SECRET_PARAMS = frozenset({"secret_token", "certificate"})
_JSON = "application/json"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _answer(status: int, body: dict[str, Any]) -> Response[bytes]:
    return Response(content=msgspec.json.encode(body), status_code=status, media_type=_JSON)


def error_response(error: BotApiError) -> Response[bytes]:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.status,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return _answer(error.status, body)


async def read_params(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Query string and body merged, whatever the body's encoding, with JSON fields decoded."""
    params: dict[str, Any] = dict(request.query_params.items())
    uploads: dict[str, Upload] = {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == _JSON:
        body = await request.body()
        if body.strip():
            try:
                decoded = msgspec.json.decode(body)
            except msgspec.DecodeError as error:
                raise bad_request("can't parse JSON encoded request parameters") from error
            if not isinstance(decoded, dict):
                raise bad_request("JSON object expected")
            params.update(decoded)
    elif content_type in _FORMS:
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                uploads[key] = Upload(value.filename, value.content_type or "", data)
            else:
                params[key] = value
    decode_json_fields(params)
    return params, uploads


@route("/{bot_segment:str}/{method:str}", http_method=[HttpMethod.GET, HttpMethod.POST])
async def bot_api(
    request: Request[Any, Any, Any],
    bot_segment: FromPath[str],
    method: FromPath[str],
    services: NamedDependency[Services],
) -> Response[bytes]:
    if not bot_segment.startswith("bot"):
        return error_response(BotApiError(404, "Not Found"))
    try:
        bot = services.state.bot_by_token(bot_segment.removeprefix("bot"))
    except BotApiError as error:
        return error_response(error)
    handler = METHODS.get(method.lower())
    if handler is None:
        return error_response(BotApiError(404, "Not Found"))
    fault = _injected_fault(bot, method.lower())
    if fault is not None:
        return error_response(fault)
    try:
        params, uploads = await read_params(request)
        result = await handler(MethodContext(services, bot, uploads), params)
    except BotApiError as error:
        if error.status == 429:
            counts = services.state.stats.too_many_requests
            counts[bot.username] = counts.get(bot.username, 0) + 1
        return error_response(error)
    if method.lower() in RECORDED:
        _record(services, bot, method, params, result)
    return _answer(200, {"ok": True, "result": result})


def _injected_fault(bot: Bot, method: str) -> BotApiError | None:
    """A failure a test asked for (`POST /sandbox/bots/{username}/faults`), counted down."""
    fault = bot.faults.get(method)
    if fault is None:
        return None
    status, left = fault
    if left > 0:
        if left == 1:
            del bot.faults[method]
        else:
            bot.faults[method] = (status, left - 1)
    description = "Bad Request: injected failure" if status == 400 else "Bad Gateway"
    return BotApiError(status, description)


def _record(
    services: NamedDependency[Services],
    bot: Bot,
    method: FromPath[str],
    params: dict[str, Any],
    result: object,
) -> None:
    clean = {key: value for key, value in params.items() if key not in _SECRET_PARAMS}
    # A copy: the chat's message changes with later edits, the log keeps what was sent.
    message = msgspec.structs.replace(result) if isinstance(result, Message) else None
    if message is not None and message.document is not None:
        clean["document"] = message.document.file_name
    if message is not None and message.photo:
        clean["photo"] = message.photo[-1].file_id
    chat_id: int | None = None
    if message is not None:
        chat_id = message.chat.id
    elif method.lower() == "answercallbackquery" and bot.callback_answers:
        chat_id = bot.callback_answers[-1].chat_id
    elif "chat_id" in clean:
        try:
            chat_id = chat_id_of(clean["chat_id"])
        except BotApiError:
            chat_id = None
    bot.record(method, clean, message, chat_id, services.config.max_log_per_bot)


@get("/file/{bot_segment:str}/{file_path:path}")
async def download_file(
    bot_segment: FromPath[str], file_path: FromPath[str], services: NamedDependency[Services]
) -> Response[bytes]:
    try:
        services.state.bot_by_token(bot_segment.removeprefix("bot"))
    except BotApiError as error:
        return error_response(error)
    stored = services.state.files.get(file_path.rsplit("/", 1)[-1])
    if stored is None:
        return error_response(BotApiError(404, "Not Found"))
    return Response(content=stored.data, media_type=stored.mime_type)
