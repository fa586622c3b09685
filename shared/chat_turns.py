"""Per-chat turns for a durable shared by several processes: a chat's updates in stream order.

Replicas that pull from one durable consumer may each hold an update of the same chat at the
same moment; aiogram's event isolation (a Redis lock per chat) keeps them from running at once,
but not in order. `ChatTurns` adds the order: every puller registers the updates it fetched
(`register`, a Redis sorted set per chat scored by stream sequence) while it still holds the
fetch lock (`fetch_lock`), so an update is always registered before any later update of the
stream can be fetched by anyone. A handler then waits (`wait_turn`) until no earlier update of
its chat is registered, and `done` removes it.

A registration lives at most `stale_seconds`: a process killed between fetch and `done`
blocks its chats only until then (its messages come back on the stream's redelivery anyway).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import cast

import msgspec
from redis.asyncio import Redis

from shared.redis_keys import platform_key, tenant_key


class _User(msgspec.Struct):
    id: int


class _Chat(msgspec.Struct):
    id: int


class _Message(msgspec.Struct):
    chat: _Chat | None = None
    from_: _User | None = msgspec.field(default=None, name="from")


class _WithUser(msgspec.Struct):
    from_: _User | None = msgspec.field(default=None, name="from")


class _Callback(msgspec.Struct):
    from_: _User | None = msgspec.field(default=None, name="from")
    message: _Message | None = None


class _ChatMemberUpdate(msgspec.Struct):
    chat: _Chat | None = None


class _UpdateChat(msgspec.Struct):
    """The few parts of an update that say whose conversation it belongs to."""

    message: _Message | None = None
    edited_message: _Message | None = None
    callback_query: _Callback | None = None
    my_chat_member: _ChatMemberUpdate | None = None
    chat_member: _ChatMemberUpdate | None = None
    pre_checkout_query: _WithUser | None = None
    inline_query: _WithUser | None = None


_decoder = msgspec.json.Decoder(_UpdateChat)


def chat_of(body: bytes) -> int | None:
    """The chat an update belongs to (the user's id where there is no chat), None if unknown."""
    try:
        update = _decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    query = update.callback_query
    chats = [
        *(m.chat for m in (update.message, update.edited_message) if m is not None),
        query.message.chat if query is not None and query.message is not None else None,
        *(m.chat for m in (update.my_chat_member, update.chat_member) if m is not None),
    ]
    users = [
        u.from_ for u in (query, update.pre_checkout_query, update.inline_query) if u is not None
    ]
    found = next((c.id for c in chats if c is not None), None)
    if found is None:
        found = next((u.id for u in users if u is not None), None)
    return found


class ChatTurns:
    def __init__(
        self,
        redis: Redis,
        durable: str,
        *,
        stale_seconds: float = 30.0,
        fetch_lock_seconds: float = 10.0,
    ) -> None:
        self._redis = redis
        self._durable = durable
        self._stale = stale_seconds
        self._fetch_lock_seconds = fetch_lock_seconds

    def _key(self, tenant_id: str, chat_id: int) -> str:
        return tenant_key(tenant_id, "turns", self._durable, chat_id)

    @asynccontextmanager
    async def fetch_lock(self) -> AsyncIterator[None]:
        """Held around one fetch and its `register`, by every process pulling the durable.

        Waiters look every 20 ms: the holder fetches for everyone meanwhile (a fetch returns
        as soon as one update is there), so the look only costs Redis calls, not latency."""
        lock = self._redis.lock(
            platform_key("fetch", self._durable), timeout=self._fetch_lock_seconds, sleep=0.02
        )
        async with lock:
            yield

    async def register(self, entries: Sequence[tuple[str, int, int]]) -> None:
        """Register fetched updates as (tenant, chat, stream sequence)."""
        if not entries:
            return
        deadline = time.time() + self._stale
        async with self._redis.pipeline(transaction=False) as pipe:
            for tenant_id, chat_id, sequence in entries:
                key = self._key(tenant_id, chat_id)
                pipe.zadd(key, {f"{sequence}:{deadline:.3f}": sequence})
                pipe.expire(key, int(self._stale) + 5)
            await pipe.execute()

    async def wait_turn(self, tenant_id: str, chat_id: int, sequence: int) -> None:
        """Return once no earlier registered update of this chat is waiting or running."""
        key = self._key(tenant_id, chat_id)
        pause = 0.002
        while True:
            found = await self._redis.zrangebyscore(key, "-inf", f"({sequence}")
            earlier = cast("list[bytes]", found)
            if not earlier:
                return
            now = time.time()
            stale = [m for m in earlier if float(m.decode().split(":", 1)[1]) < now]
            if stale:
                await self._redis.zrem(key, *stale)
                if len(stale) == len(earlier):
                    return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def done(self, tenant_id: str, chat_id: int, sequence: int) -> None:
        key = self._key(tenant_id, chat_id)
        await self._redis.zremrangebyscore(key, sequence, sequence)
