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
from collections.abc import Sequence

from redis.asyncio import Redis

from services.notifier.ports import Grant, Slot, Via
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


# The same decisions for many slots at once (keys: three per slot, as `_keys` lists them), in
# order, so a later slot of the same bot or chat sees the stamps of the earlier ones.
_MANY = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op = ARGV[1]
local caps = {tonumber(ARGV[2]), tonumber(ARGV[4])}
local windows = {tonumber(ARGV[3]), tonumber(ARGV[5])}
local answers = {}
for s = 1, #KEYS / 3 do
  local base = (s - 1) * 3
  local member = ARGV[5 + s]
  if op == 'settle' then
    for i = 1, 2 do
      local key = KEYS[base + i]
      if redis.call('ZSCORE', key, member) then
        redis.call('ZADD', key, 'XX', now, member)
        redis.call('PEXPIRE', key, windows[i])
      end
    end
    answers[s] = 0
  else
    local wait = redis.call('PTTL', KEYS[base + 3])
    if wait < 0 then
      wait = 0
    end
    if wait == 0 then
      for i = 1, 2 do
        local key = KEYS[base + i]
        redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windows[i])
        if redis.call('ZCARD', key) >= caps[i] then
          local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
          local need = tonumber(oldest[2]) + windows[i] - now
          if need > wait then
            wait = need
          end
        end
      end
    end
    if wait == 0 then
      for i = 1, 2 do
        redis.call('ZADD', KEYS[base + i], now, member)
        redis.call('PEXPIRE', KEYS[base + i], windows[i])
      end
    end
    answers[s] = wait
  end
end
return answers
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
        self._many = redis.register_script(_MANY)
        self._bot = window(per_bot_rate, margin)
        self._chat = window(per_chat_rate, margin)

    async def acquire(self, tenant_id: str, via: Via, chat_id: int) -> Grant:
        ticket = uuid.uuid4().hex
        wait_ms = await self._run(tenant_id, via, chat_id, "acquire", ticket)
        return Grant(wait=wait_ms / 1000) if wait_ms > 0 else Grant(wait=0.0, ticket=ticket)

    async def acquire_many(self, slots: Sequence[Slot]) -> list[Grant]:
        if not slots:
            return []
        tickets = [uuid.uuid4().hex for _ in slots]
        waits = await self._run_many("acquire", slots, tickets)
        return [
            Grant(wait=wait_ms / 1000) if wait_ms > 0 else Grant(wait=0.0, ticket=ticket)
            for wait_ms, ticket in zip(waits, tickets, strict=True)
        ]

    async def settle_many(self, settled: Sequence[tuple[Slot, str]]) -> None:
        taken = [(slot, ticket) for slot, ticket in settled if ticket]
        if taken:
            await self._run_many(
                "settle", [slot for slot, _ in taken], [ticket for _, ticket in taken]
            )

    async def _run_many(self, op: str, slots: Sequence[Slot], tickets: list[str]) -> list[int]:
        keys = [key for s in slots for key in self._keys(s.tenant_id, s.via, s.chat_id)]
        args: list[str | int] = [op, *self._bot, *self._chat, *tickets]
        result = await self._many(keys=keys, args=args)
        return [int(wait) for wait in result]

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
