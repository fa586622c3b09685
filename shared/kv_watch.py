"""A KV watch that outlives NATS restarts: re-opened within a fraction of a second.

nats-py re-creates a watch's ordered consumer by itself only after two missed idle
heartbeats (about 20 s after NATS is back). `follow` instead notices the reconnect (the
client's reconnect counter) and opens a fresh watch at once, which replays the current value
of every watched key, so `on_entry` must be idempotent (it sees the latest state again).
A watch that fails to open, or an `on_entry` that raises, is logged and retried; the loop only
ends when cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.aio.client import Client
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

OpenWatch = Callable[[], Awaitable[KeyValue.KeyWatcher]]
OnEntry = Callable[[KeyValue.Entry], Awaitable[None]]


async def follow(
    connection: Client,
    open_watch: OpenWatch,
    on_entry: OnEntry,
    *,
    name: str,
    check_seconds: float = 0.2,
) -> None:
    """Run until cancelled: every entry of the watch goes to `on_entry`, across restarts."""
    while True:
        if not connection.is_connected:
            await asyncio.sleep(check_seconds)
            continue
        reconnects = connection.stats["reconnects"]
        try:
            watcher = await open_watch()
        except Exception as error:  # noqa: BLE001 - NATS went away again: wait and retry
            log.warning("could not open the %s watch: %r", name, error)
            await asyncio.sleep(check_seconds)
            continue
        pump = asyncio.create_task(_pump(watcher, on_entry, name), name=f"watch:{name}")
        try:
            while not pump.done():
                await asyncio.wait({pump}, timeout=check_seconds)
                if connection.stats["reconnects"] != reconnects and connection.is_connected:
                    log.info("NATS reconnected: re-opening the %s watch", name)
                    break
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
            with contextlib.suppress(Exception):
                await watcher.stop()  # type: ignore[no-untyped-call]


async def _pump(watcher: KeyValue.KeyWatcher, on_entry: OnEntry, name: str) -> None:
    async for entry in watcher:
        if entry is None:  # the end of the initial values
            continue
        try:
            await on_entry(entry)
        except Exception:
            log.exception("the %s watch could not apply key %s", name, entry.key)
