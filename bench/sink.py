"""A minimal Bot API for benchmarks: answers like Telegram for what the bots call, costs little.

    python -m bench.sink --port 8081 [--per-bot-rate 30 --per-chat-rate 1]

One asyncio protocol with a small HTTP/1.1 parser (keep-alive, `Content-Length` bodies), no
framework. Every Bot API call `POST /bot<token>/<method>` is counted; `setWebhook` remembers
the bot's URL and secret (as Telegram does) for the load generator; a message sent or edited is
answered with a `Message` and written, with its arrival time (`time.monotonic()`, one clock for
every process of the machine), as one JSON line to each `GET /sink/stream` listener; so is a
`setWebhook`, as an event on chat 0 whose text is the URL and whose markup is the secret. With rates
given, sends over Telegram's limits (`sandbox.telegram.flood`, the emulator's sliding windows)
are answered 429 with `retry_after`, and counted.

Control: `GET /sink/webhooks` ({bot_id: [url, secret]}), `GET /sink/stats`, `POST /sink/reset`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from sandbox.telegram.errors import BotApiError
from sandbox.telegram.flood import FloodControl

MESSAGE_METHODS = frozenset({"sendmessage", "editmessagetext", "editmessagereplymarkup"})
SEND_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})
_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?')
_PART_NAME = re.compile(rb'name="([^"]+)"')
_encode = msgspec.json.encode


class Event(msgspec.Struct, array_like=True):
    """One message the bot sent or edited, as streamed: bot, chat, message id, arrival."""

    bot_id: int
    chat_id: int
    message_id: int
    arrived: float
    edit: bool
    text: str
    reply_markup: str


@dataclass
class SinkState:
    flood: FloodControl | None
    webhooks: dict[int, tuple[str, str]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    too_many: int = 0
    listeners: list[asyncio.Transport] = field(default_factory=list)
    next_message_id: int = 1

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "messages": sum(self.calls[m] for m in MESSAGE_METHODS | SEND_METHODS),
            "too_many_requests": self.too_many,
            "bots_with_webhook": len(self.webhooks),
        }

    def reset(self) -> None:
        self.calls.clear()
        self.too_many = 0


def _form(content_type: bytes, body: bytes) -> dict[str, str]:
    """The call's parameters from a urlencoded, JSON or multipart body."""
    if not body:
        return {}
    if content_type.startswith(b"application/json"):
        decoded = msgspec.json.decode(body)
        return {k: v if isinstance(v, str) else _encode(v).decode() for k, v in decoded.items()}
    if content_type.startswith(b"multipart/form-data"):
        found = _BOUNDARY.search(content_type)
        if found is None:
            return {}
        params: dict[str, str] = {}
        for part in body.split(b"--" + found.group(1)):
            head, _, value = part.partition(b"\r\n\r\n")
            name = _PART_NAME.search(head)
            if name is not None:
                params[name.group(1).decode()] = value.removesuffix(b"\r\n").decode()
        return params
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def _message(message_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
        "text": text or ".",
    }


def _set_webhook(state: SinkState, bot_id: int, params: dict[str, str], arrived: float) -> None:
    url, secret = params.get("url", ""), params.get("secret_token", "")
    state.webhooks[bot_id] = (url, secret)
    if state.listeners:  # chat 0: the bot's webhook (url, secret), for the benches' timing
        line = _encode(Event(bot_id, 0, 0, arrived, False, url, secret))
        for listener in state.listeners:
            listener.write(line + b"\n")


def bot_api_call(state: SinkState, token: str, method: str, params: dict[str, str]) -> bytes:
    """The JSON answer to one Bot API call (and its effects on the state)."""
    arrived = time.monotonic()
    method = method.lower()
    state.calls[method] += 1
    bot_id = int(token.split(":", 1)[0]) if token[:1].isdigit() else 0
    result: Any = True
    if method in SEND_METHODS or method in MESSAGE_METHODS:
        chat_id = int(params.get("chat_id") or 0)
        if state.flood is not None and method in SEND_METHODS:
            try:
                state.flood.acquire(bot_id, chat_id)
            except BotApiError as error:
                state.too_many += 1
                return _encode(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": error.description,
                        "parameters": {"retry_after": error.retry_after},
                    }
                )
        edit = method != "sendmessage" and method not in SEND_METHODS
        if edit:
            message_id = int(params.get("message_id") or 0)
        else:
            message_id = state.next_message_id
            state.next_message_id += 1
        text = params.get("text", "")
        result = _message(message_id, chat_id, text)
        if state.listeners:
            line = _encode(
                Event(
                    bot_id, chat_id, message_id, arrived, edit, text, params.get("reply_markup", "")
                )
            )
            for listener in state.listeners:
                listener.write(line + b"\n")
    elif method == "setwebhook":
        _set_webhook(state, bot_id, params, arrived)
    elif method == "deletewebhook":
        state.webhooks.pop(bot_id, None)
    elif method == "getme":
        result = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Bench",
            "username": f"bench{bot_id}_bot",
        }
    elif method == "getwebhookinfo":
        url = state.webhooks.get(bot_id, ("", ""))[0]
        result = {"url": url, "has_custom_certificate": False, "pending_update_count": 0}
    elif method in {"getmycommands", "getupdates"}:
        result = []
    return _encode({"ok": True, "result": result})


class SinkProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; one request at a time per connection, in order."""

    def __init__(self, state: SinkState) -> None:
        self._state = state
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        if self._transport in self._state.listeners:
            self._state.listeners.remove(self._transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end].split(b"\r\n")
            length, content_type = 0, b""
            for line in head[1:]:
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"content-type":
                    content_type = value.strip().lower()
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            verb, path = head[0].split(b" ")[:2]
            self._handle(verb, path.decode(), content_type, body)

    def _handle(self, verb: bytes, path: str, content_type: bytes, body: bytes) -> None:
        transport = self._transport
        assert transport is not None
        state = self._state
        if path.startswith("/bot"):
            token, _, method = path[4:].partition("/")
            status, answer = 200, bot_api_call(state, token, method, _form(content_type, body))
            if b'"error_code":429' in answer[:40]:
                status = 429
        elif path == "/sink/stream":
            transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                b"Connection: close\r\n\r\n"
            )
            state.listeners.append(transport)
            self._transport = None  # no more requests on this connection
            return
        elif path == "/sink/webhooks":
            status, answer = 200, _encode({str(k): list(v) for k, v in state.webhooks.items()})
        elif path == "/sink/stats":
            status, answer = 200, _encode(state.stats())
        elif path == "/sink/reset" and verb == b"POST":
            state.reset()
            status, answer = 200, b"{}"
        else:
            status, answer = 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        reason = {200: b"OK", 404: b"Not Found", 429: b"Too Many Requests"}[status]
        transport.write(
            b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (status, reason, len(answer), answer)
        )


async def serve(port: int, per_bot_rate: float | None, per_chat_rate: float | None) -> None:
    flood = None
    if per_bot_rate and per_chat_rate:
        flood = FloodControl(per_bot_rate, per_chat_rate)
    state = SinkState(flood=flood)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SinkProtocol(state), "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sink", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--per-bot-rate", type=float, default=None)
    parser.add_argument("--per-chat-rate", type=float, default=None)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.per_bot_rate, args.per_chat_rate))


if __name__ == "__main__":
    main()
