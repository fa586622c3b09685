"""Starting a service process: settings once, logging, the app, uvicorn with graceful shutdown."""

from __future__ import annotations

import gc
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


YOUNG_GC_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)


def freeze_heap() -> None:
    """Once a service has started: what it built to run (modules, aiogram's routers and pydantic
    models, pools) is moved out of the garbage collector's sight, and young collections run
    less often. A full collection walked those ~250,000 long-lived objects every time it ran
    (about a second of CPU on the loaded development machine) and profiles of booking showed
    about a tenth of its time in collections; what requests create is still collected."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, middle, old)
