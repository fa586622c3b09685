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
    retiring: set[asyncio.Task[None]] = set()
    while True:
        if not connection.is_connected:
            await asyncio.sleep(check_seconds)
            continue
        reconnects = connection.stats["reconnects"]
        try:
            watcher = await _open(connection, open_watch, reconnects, check_seconds)
        except Exception as error:  # noqa: BLE001 - NATS went away again: wait and retry
            log.warning("could not open the %s watch: %r", name, error)
            await asyncio.sleep(check_seconds)
            continue
        if watcher is None:  # NATS restarted while the watch was being opened
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
            # Stopping the old watch may wait on the server; the new one must not wait for it.
            stopping = asyncio.create_task(_stop(watcher), name=f"unwatch:{name}")
            retiring.add(stopping)
            stopping.add_done_callback(retiring.discard)


async def _open(
    connection: Client, open_watch: OpenWatch, reconnects: int, check_seconds: float
) -> KeyValue.KeyWatcher | None:
    """Open the watch, or give up (None) as soon as the connection is re-established under
    it: a request sent before a restart would otherwise wait out its whole timeout."""
    opening = asyncio.ensure_future(open_watch())
    while True:
        done, _ = await asyncio.wait({opening}, timeout=check_seconds)
        if done:
            return opening.result()
        if connection.stats["reconnects"] != reconnects:
            opening.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await opening
            return None


async def _pump(watcher: KeyValue.KeyWatcher, on_entry: OnEntry, name: str) -> None:
    async for entry in watcher:
        if entry is None:  # the end of the initial values
            continue
        try:
            await on_entry(entry)
        except Exception:
            log.exception("the %s watch could not apply key %s", name, entry.key)


async def _stop(watcher: KeyValue.KeyWatcher) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(watcher.stop(), 5.0)  # type: ignore[no-untyped-call]
