"""Pulling a shared durable in batches, with each chat's updates handled in order, one at a time.

`OrderedPuller.run` fetches up to `batch` messages at once (nats-py returns what is there at
once, it waits only when nothing is), registers them in `ChatTurns` under the durable's fetch
lock, and runs each in its own task, at most `workers` at a time. A task waits for its chat's
turn (reading with it the keys `reads` names for the chat: `ChatTurns.wait_turn`), calls the
handler (which acks, nacks or dead-letters: `shared.consuming.Consumer`) and frees the turn
whatever happened. Several processes can run it over the same durable: order
within a chat is the stream's order, and no two of them handle one chat's updates at once.
`stop` stops fetching and lets the running tasks finish (up to `grace_seconds`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared.chat_turns import ChatTurns, HeldTurn, chat_of, held_turn
from shared.errors import InvalidTenantId

log = logging.getLogger(__name__)

AGAIN_AFTER_SECONDS = 1.0  # a message whose handling failed outside its handler's retries


class Pulled:
    """One fetched message, with the calls `shared.consuming.Consumer` makes on it."""

    __slots__ = ("body", "raw_message")

    def __init__(self, raw: Msg) -> None:
        self.raw_message = raw
        self.body: bytes = raw.data

    async def ack(self) -> None:
        await self.raw_message.ack()

    async def nack(self, delay: float | None = None) -> None:
        await self.raw_message.nak(delay=delay)

    async def reject(self) -> None:
        await self.raw_message.term()


Handler = Callable[[Pulled], Awaitable[None]]
TenantOf = Callable[[str], str]
# The Redis keys a handler is known to read first for (tenant, chat): read with the turn.
TurnReads = Callable[[str, int], Awaitable[Sequence[str]]]


async def _nothing(_tenant_id: str, _chat_id: int) -> Sequence[str]:
    return ()


class OrderedPuller:
    def __init__(
        self,
        js: JetStreamContext,
        *,
        stream: str,
        durable: str,
        inbox_prefix: bytes,
        turns: ChatTurns,
        tenant_of: TenantOf,
        handler: Handler,
        workers: int,
        reads: TurnReads = _nothing,
        batch: int = 32,
        fetch_timeout: float = 2.0,
        grace_seconds: float = 15.0,
    ) -> None:
        self._js = js
        self._stream = stream
        self._durable = durable
        self._inbox_prefix = inbox_prefix
        self._turns = turns
        self._tenant_of = tenant_of
        self._handler = handler
        self._reads = reads
        self._slots = asyncio.Semaphore(workers)
        self._batch = batch
        self._fetch_timeout = fetch_timeout
        self._grace = grace_seconds
        self._running: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.create_task(self.run(), name=f"pull:{self._durable}")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._running:
            await asyncio.wait(self._running, timeout=self._grace)

    async def run(self) -> None:
        subscription = await self._js.pull_subscribe_bind(
            durable=self._durable, stream=self._stream, inbox_prefix=self._inbox_prefix
        )
        while True:
            try:
                await self._pull_once(subscription)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - NATS or Redis away: try again shortly
                log.warning("pulling %s failed: %r", self._durable, error)
                await asyncio.sleep(1.0)

    async def _pull_once(self, subscription: Any) -> None:
        # a slot per message before fetching, so nothing fetched waits for a worker
        await self._slots.acquire()
        free = 1
        while free < self._batch and not self._slots.locked():
            await self._slots.acquire()
            free += 1
        try:
            async with self._turns.fetch_lock():
                messages = await self._fetch(subscription, free)
                entries = [self._entry(m) for m in messages]
                await self._turns.register([e for e in entries if e is not None])
        except BaseException:
            for _ in range(free):
                self._slots.release()
            raise
        for _ in range(free - len(messages)):
            self._slots.release()
        for message, entry in zip(messages, entries, strict=True):
            task = asyncio.create_task(self._handle(message, entry))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _fetch(self, subscription: Any, free: int) -> list[Msg]:
        """One message (waiting for it up to `fetch_timeout`), then what else is there now.

        nats-py's `fetch(n)` waits for all `n` once the stream had nothing at the first ask,
        so the wait is for one, and the rest comes from a no-wait ask read to its end (the
        server's "no messages" status or `free - 1` messages): everything this pull took is
        in hand, and registered, before the fetch lock is let go."""
        try:
            messages: list[Msg] = await subscription.fetch(1, timeout=self._fetch_timeout)
        except TimeoutError:
            return []
        if free > 1:
            messages += await self._drain(subscription, free - 1)
        return messages

    async def _drain(self, subscription: Any, count: int) -> list[Msg]:
        # nats-py has no "no-wait only" fetch: this is its first step, without the lingering
        # second one (its pull subscription's request subject and inbox).
        request = json.dumps({"batch": count, "no_wait": True}).encode()
        await self._js._nc.publish(subscription._nms, request, subscription._deliver)
        taken: list[Msg] = []
        while len(taken) < count:
            try:
                message: Msg = await subscription._sub.next_msg(timeout=self._fetch_timeout)
            except TimeoutError:
                break  # the server did not answer: what comes later is read by the next pull
            status = message.headers.get("Status") if message.headers else None
            if status is None:
                taken.append(message)
            elif status != "100":  # 404 no messages, 408 expired: the ask is over
                break
        return taken

    def _entry(self, message: Msg) -> tuple[str, int, int] | None:
        chat = chat_of(message.data)
        if chat is None or message.metadata is None:
            return None
        try:
            tenant_id = self._tenant_of(message.subject)
        except InvalidTenantId:  # not ours to order: the handler dead-letters it
            return None
        return tenant_id, chat, message.metadata.sequence.stream

    async def _handle(self, message: Msg, entry: tuple[str, int, int] | None) -> None:
        try:
            if entry is not None:
                read = await self._reads(entry[0], entry[1])
                known = await self._turns.wait_turn(*entry, read=read)
                held_turn.set(HeldTurn(entry[1], known))  # this task's own context: isolated
            await self._handler(Pulled(message))
        except Exception:
            # Redis lost while taking the chat's turn, or a handler that raised: the update is
            # asked for again shortly rather than left until JetStream's ack wait runs out
            # (a person is waiting for the answer).
            log.exception("handling a message of %s failed", self._durable)
            with contextlib.suppress(Exception):
                await message.nak(delay=AGAIN_AFTER_SECONDS)
        finally:
            self._slots.release()
            if entry is not None:
                with contextlib.suppress(Exception):
                    await self._turns.done(*entry)
