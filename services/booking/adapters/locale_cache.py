"""The business's own language, kept in Redis (`t:<tenant>:locale`) for every booking process.

A customer whose Telegram language the bot does not ship (or who sends none) reads the
business's language; without this every such update opened a tenant transaction just to
read it. The owner's change writes the new value here once it is committed (`remember`);
a reader fills a missing key only if it is still missing (`SET NX`), so a read from before
the change never overwrites the owner's newer value. The TTL bounds how long a change made
around the bot (a restored backup) can go unseen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from shared.chat_turns import held_turn
from shared.redis_keys import tenant_key

LOCALE_TTL_SECONDS = 600


def locale_key(tenant_id: str) -> str:
    return tenant_key(tenant_id, "locale")


class BusinessLocales:
    def __init__(self, redis: Redis, ttl_seconds: int = LOCALE_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def of(self, tenant_id: str, read: Callable[[], Awaitable[str]]) -> str:
        """The tenant's language from Redis (read with the chat's turn when the puller did:
        `locale_key` is among booking's turn reads), or from `read` (the database) when not
        there."""
        key = locale_key(tenant_id)
        turn = held_turn.get()
        if turn is not None and key in turn.known:
            found: bytes | str | None = turn.known[key]  # absent then: no second look
        else:
            found = await self._redis.get(key)
        if found is not None:
            return found.decode() if isinstance(found, bytes) else str(found)
        locale = await read()
        await self._redis.set(key, locale, ex=self._ttl, nx=True)
        return locale

    async def remember(self, tenant_id: str, locale: str) -> None:
        """The owner's committed choice: it replaces whatever was kept."""
        await self._redis.set(locale_key(tenant_id), locale, ex=self._ttl)
