"""Helpers for tests: serve an ASGI app on a free port, record posted notifications."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, Request, Response, post

from sandbox.yookassa.app import create_app
from sandbox.yookassa.config import NotificationRetryPolicy, YooKassaSandboxConfig
from sandbox.yookassa.objects import Notification, Payment, Refund

FAST_RETRY = NotificationRetryPolicy(max_attempts=4, first_delay=0.05, factor=2.0, timeout=5.0)


def bind_free_port(host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on a free port: connections queue in its backlog until served."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


@asynccontextmanager
async def serve(app: Any, sock: socket.socket) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on ``sock`` for the block; yields its base URL.

    The socket is already listening, so requests made before start-up completes simply wait.
    """
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        await task
        sock.close()


class Received(msgspec.Struct, frozen=True, kw_only=True):
    """One notification as the receiver got it, and the status code it answered."""

    event: str
    answered: int
    body: bytes

    def payment(self) -> Payment:
        return msgspec.json.decode(self.body, type=Notification[Payment]).object

    def refund(self) -> Refund:
        return msgspec.json.decode(self.body, type=Notification[Refund]).object


class _Envelope(msgspec.Struct, kw_only=True):
    type: str
    event: str


class NotificationRecorder:
    """A stand-in for billing's webhook: records every POST, answers scripted status codes.

    ``statuses`` are answered in order (e.g. ``[500]`` fails the first delivery), then 200.
    """

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[Received] = []
        self.statuses = list(statuses or [])
        self.webhook_url = ""
        self._changed = asyncio.Event()

    def app(self) -> Litestar:
        @post("/webhooks/yookassa", status_code=200)
        async def receive(request: Request[Any, Any, Any]) -> Response[bytes]:
            body = await request.body()
            status = self.statuses.pop(0) if self.statuses else 200
            envelope = msgspec.json.decode(body, type=_Envelope)
            self.received.append(Received(event=envelope.event, answered=status, body=body))
            self._changed.set()
            return Response(b"", status_code=status)

        return Litestar(route_handlers=[receive], openapi_config=None)

    async def wait_for(self, count: int, within: float = 5.0) -> list[Received]:
        """The first ``count`` notifications, waiting for them to arrive."""
        async with asyncio.timeout(within):
            while len(self.received) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.received[:count]


@asynccontextmanager
async def running_recorder(
    statuses: list[int] | None = None,
) -> AsyncIterator[NotificationRecorder]:
    """A NotificationRecorder served on a free port; ``webhook_url`` is where to post."""
    recorder = NotificationRecorder(statuses)
    async with serve(recorder.app(), bind_free_port()) as url:
        recorder.webhook_url = f"{url}/webhooks/yookassa"
        yield recorder


@asynccontextmanager
async def running_sandbox(
    shops: dict[str, str],
    notification_url: str | None = None,
    retry: NotificationRetryPolicy = FAST_RETRY,
) -> AsyncIterator[str]:
    """The emulator served on a free port (its own public URL); yields the base URL."""
    sock = bind_free_port()
    config = YooKassaSandboxConfig(
        shops=shops, public_base_url=url_of(sock), notification_url=notification_url, retry=retry
    )
    async with serve(create_app(config), sock) as url:
        yield url
