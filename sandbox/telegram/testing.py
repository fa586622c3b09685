"""Running the emulator inside a test or benchmark process, on a free port, for real HTTP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import uvicorn

from sandbox.telegram.app import create_app
from sandbox.telegram.config import TelegramSandboxConfig

_BACKLOG = 512


@asynccontextmanager
async def serve_asgi(make_app: Callable[[str], Any]) -> AsyncIterator[str]:
    """Serve ``make_app(base_url)`` with uvicorn on a free 127.0.0.1 port; yields the base URL.

    The socket listens before the server task starts, so early requests wait in the backlog
    instead of being refused: nobody polls for readiness.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(_BACKLOG)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        make_app(base_url),
        log_level="warning",
        access_log=False,  # Bot API paths carry tokens
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield base_url
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def running_sandbox(**settings: Any) -> AsyncIterator[str]:
    """A fresh emulator (``settings`` as in :class:`TelegramSandboxConfig`); yields its base URL."""

    def make_app(base_url: str) -> Any:
        config = msgspec.convert({"public_base_url": base_url, **settings}, TelegramSandboxConfig)
        return create_app(config)

    async with serve_asgi(make_app) as base_url:
        yield base_url
