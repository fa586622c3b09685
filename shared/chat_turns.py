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

The turn is also the chat's event isolation: `wait_turn` takes a per-chat lock in the same
Redis call that finds no earlier update (one script), and `done` lets it go with the
registration (one script), so a redelivered earlier update never runs beside a later one.
While a handler holds its turn, `TurnIsolation` (the dispatcher's `events_isolation`) has
nothing more to lock; anything fed to the dispatcher outside a turn locks as aiogram's
`RedisEventIsolation` does. Two Redis round trips per update instead of four.

The same script that takes the turn also reads the keys the update is known to read first
(`wait_turn(..., read=...)`: booking's FSM state and data of the chat, the business language),
so those reads cost no round trip of their own; they are read under the chat's lock, which
no other update of the chat can take until this one is done.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import msgspec
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
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


@dataclass(slots=True)
class HeldTurn:
    """The chat whose turn (and lock) the running task holds, and what Redis keys were read
    (with the turn) or written as meanwhile: the chat's FSM keys (`shared.turn_storage`),
    which nobody else can change while the turn is held, and the others read with the turn."""

    chat_id: int
    known: dict[str, str | None] = field(default_factory=dict)  # Redis key -> value, None: absent


# Set by the puller in each update's own task once it holds the chat's turn
held_turn: ContextVar[HeldTurn | None] = ContextVar("held_turn", default=None)

# KEYS: the chat's turns, its lock, then keys to read once taken; ARGV: sequence, lock token,
# lock ms. {1, values of the keys to read} (the turn and the lock are taken), {0, the earlier
# registrations} (still waiting: not yet) or {0, {}} (nothing earlier, but an update of the
# chat runs elsewhere, e.g. a redelivered one).
_TAKE = """
local earlier = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #earlier > 0 then return {0, earlier} end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {0, {}} end
if #KEYS > 2 then return {1, redis.call('MGET', unpack(KEYS, 3))} end
return {1, {}}
"""
# KEYS: the chat's turns, its lock; ARGV: sequence, lock token
_DONE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 0
"""

# KEYS: the fetch lock, its wake-up list; ARGV: the holder's token. One wake-up is left for
# the next waiter (an old one only makes a waiter look once more).
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('RPUSH', KEYS[2], '1')
redis.call('PEXPIRE', KEYS[2], 5000)
return 1
"""
WAKE_SECONDS = 0.25  # a waiter looks again at least this often (the lock may have expired)


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class ChatTurns:
    def __init__(
        self,
        redis: Redis,
        durable: str,
        *,
        stale_seconds: float = 30.0,
        fetch_lock_seconds: float = 10.0,
        chat_lock_seconds: float = 60.0,
        wake_seconds: float = WAKE_SECONDS,
    ) -> None:
        self._redis = redis
        self._durable = durable
        self._stale = stale_seconds
        self._fetch_lock_ms = int(fetch_lock_seconds * 1000)
        self._wake_seconds = wake_seconds
        self._chat_lock_ms = int(chat_lock_seconds * 1000)
        self._owner = uuid.uuid4().hex  # this process's lock tokens
        self._take = redis.register_script(_TAKE)
        self._done = redis.register_script(_DONE)
        self._release = redis.register_script(_RELEASE)

    def _key(self, tenant_id: str, chat_id: int) -> str:
        return tenant_key(tenant_id, "turns", self._durable, chat_id)

    def _token(self, sequence: int) -> str:
        return f"{self._owner}:{sequence}"

    @asynccontextmanager
    async def fetch_lock(self) -> AsyncIterator[None]:
        """Held around one fetch and its `register`, by every process pulling the durable.

        A waiter blocks on the lock's wake-up list (`BLPOP`) instead of polling: the holder
        pushes to it as it lets go (one script with the release), so the next process takes
        the lock at once and an idle waiter costs two Redis calls per `wake_seconds`, not one
        every 20 ms. The lock still expires (a holder killed mid-fetch blocks no one for long)."""
        key = platform_key("fetch", self._durable)
        keys = [key, f"{key}:wake"]
        token = uuid.uuid4().hex
        while not await self._redis.set(key, token, nx=True, px=self._fetch_lock_ms):
            await self._redis.blpop([keys[1]], timeout=self._wake_seconds)
        try:
            yield
        finally:
            await self._release(keys=keys, args=[token])

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

    async def wait_turn(
        self, tenant_id: str, chat_id: int, sequence: int, *, read: Sequence[str] = ()
    ) -> dict[str, str | None]:
        """Return once no earlier registered update of this chat is waiting or running, holding
        the chat's lock (no other update of the chat runs until `done`), with the values of the
        keys in `read` as they were when the turn was taken (None: absent)."""
        key = self._key(tenant_id, chat_id)
        keys = [key, f"{key}:lock", *read]
        args: list[str | int] = [sequence, self._token(sequence), self._chat_lock_ms]
        pause = 0.002
        while True:
            taken, found = await self._take(keys=keys, args=args)
            if taken == 1:
                return {k: _text(v) for k, v in zip(read, found, strict=True)}
            if found:
                now = time.time()
                stale = [m for m in found if float(m.decode().split(":", 1)[1]) < now]
                if stale:
                    await self._redis.zrem(key, *stale)
                    if len(stale) == len(found):
                        continue  # only stale ones were earlier: take the lock now
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def done(self, tenant_id: str, chat_id: int, sequence: int) -> None:
        """The update is finished: its registration and (if it holds it) the chat's lock go."""
        key = self._key(tenant_id, chat_id)
        await self._done(keys=[key, f"{key}:lock"], args=[sequence, self._token(sequence)])


class TurnIsolation(RedisEventIsolation):
    """aiogram's event isolation for a dispatcher fed by an `OrderedPuller`: an update whose
    chat turn is held (`held_turn`) is already isolated; any other locks as aiogram does."""

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        turn = held_turn.get()
        if turn is not None and turn.chat_id == key.chat_id:
            yield None
            return
        async with super().lock(key):
            yield None
