"""Flood limits shared by every replica: sliding-window logs in Redis, one atomic Lua script.

Per bot: at most `capacity` messages in any window of `capacity / rate` seconds (30 in 1 s),
and per chat likewise (1 in 1 s) — the same strict windows Telegram (and the sandbox) apply.
Each window is a sorted set of send stamps under the bot's owner (`t:<tenant>:flood:...`, or
`p:sales:flood:...` for the sales bot), with a TTL of one window.

`acquire` takes a slot in both windows at once or neither, and says how long to wait.
`settle` moves the slot's stamp from the moment it was taken to the moment Telegram answered:
Telegram counted the message somewhere in between, so windows measured from the answer never
start before Telegram's do, whatever the network and event-loop delays were. `pause` closes a
bot for a 429's `retry_after`. Redis's own `TIME` is the clock, so replicas never disagree.
"""

from __future__ import annotations

import math
import uuid

from redis.asyncio import Redis

from services.notifier.ports import Grant, Via
from shared.redis_keys import platform_key, tenant_key

_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op = ARGV[1]
if op == 'pause' then
  redis.call('SET', KEYS[3], '1', 'PX', tonumber(ARGV[2]))
  return 0
end
local member = ARGV[2]
if op == 'settle' then
  for i = 1, 2 do
    if redis.call('ZSCORE', KEYS[i], member) then
      redis.call('ZADD', KEYS[i], 'XX', now, member)
      redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + i * 2]))
    end
  end
  return 0
end
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then
  return paused
end
local wait = 0
for i = 1, 2 do
  local capacity = tonumber(ARGV[1 + i * 2])
  local window = tonumber(ARGV[2 + i * 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= capacity then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    local need = tonumber(oldest[2]) + window - now
    if need > wait then
      wait = need
    end
  end
end
if wait > 0 then
  return wait
end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, member)
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + i * 2]))
end
return 0
"""


def window(rate: float, margin: float) -> tuple[int, int]:
    """(capacity, window in ms) of a rate: 30/s → (30, 1000); 0.5/s → (1, 2000); plus margin."""
    capacity = max(1, math.floor(rate))
    return capacity, math.ceil(capacity / rate * 1000 * (1 + margin))


class RedisRateLimiter:
    def __init__(
        self, redis: Redis, *, per_bot_rate: float, per_chat_rate: float, margin: float = 0.05
    ) -> None:
        self._redis = redis
        self._script = redis.register_script(_SCRIPT)
        self._bot = window(per_bot_rate, margin)
        self._chat = window(per_chat_rate, margin)

    async def acquire(self, tenant_id: str, via: Via, chat_id: int) -> Grant:
        ticket = uuid.uuid4().hex
        wait_ms = await self._run(tenant_id, via, chat_id, "acquire", ticket)
        return Grant(wait=wait_ms / 1000) if wait_ms > 0 else Grant(wait=0.0, ticket=ticket)

    async def settle(self, tenant_id: str, via: Via, chat_id: int, ticket: str) -> None:
        if ticket:
            await self._run(tenant_id, via, chat_id, "settle", ticket)

    async def pause(self, tenant_id: str, via: Via, seconds: float) -> None:
        keys = self._keys(tenant_id, via, 0)
        args: list[str | int] = ["pause", max(1, math.ceil(seconds * 1000))]
        await self._script(keys=keys, args=args)

    async def _run(self, tenant_id: str, via: Via, chat_id: int, op: str, ticket: str) -> int:
        args: list[str | int] = [op, ticket, *self._bot, *self._chat]
        result = await self._script(keys=self._keys(tenant_id, via, chat_id), args=args)
        return int(result)

    @staticmethod
    def _keys(tenant_id: str, via: Via, chat_id: int) -> list[str]:
        if via == "sales":
            return [
                platform_key("sales", "flood", "bot"),
                platform_key("sales", "flood", "chat", chat_id),
                platform_key("sales", "flood", "pause"),
            ]
        return [
            tenant_key(tenant_id, "flood", "bot"),
            tenant_key(tenant_id, "flood", "chat", chat_id),
            tenant_key(tenant_id, "flood", "pause"),
        ]
