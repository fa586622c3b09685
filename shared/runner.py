"""Starting a service process: settings once, logging, the app, uvicorn with graceful shutdown."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from litestar import Litestar

from shared.errors import SettingsError
from shared.logs import configure_logging
from shared.settings import Env, HttpSettings, LogSettings, environment

S = TypeVar("S")


def load_or_exit(service: str, loader: Callable[[Env], S]) -> S:
    """Read settings once; on a bad or missing value print one clear line and exit 2."""
    try:
        return loader(Env(environment()))
    except SettingsError as error:
        sys.stderr.write(f"{service}: {error}\n")
        raise SystemExit(2) from None


def serve(
    service: str,
    *,
    app: Litestar,
    http: HttpSettings,
    logs: LogSettings,
) -> None:
    configure_logging(service, logs)
    config = uvicorn.Config(
        app,
        host=http.host,
        port=http.port,
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=15,
        server_header=False,
        proxy_headers=False,  # client addresses are the app's to judge (billing's TRUSTED_PROXIES)
    )
    uvicorn.Server(config).run()
