"""aiogram's Redis FSM storage, read once per update while the update holds its chat's turn.

aiogram reads a chat's state on every update (`FSMContextMiddleware`), handlers read it and
the data again, and `state.clear()` deletes both keys even when neither exists: about six
Redis round trips per update where one or two carry information. While the puller holds the
chat's turn (`shared.chat_turns.held_turn`), no other process or task can change that chat's
FSM keys, so `TurnStorage` answers repeated reads of them from what this update already read
(the puller reads the chat's state and data with the turn itself, `ChatTurns.wait_turn`) or
wrote, and skips deleting a key it knows to be absent. Writes that store a value always go
to Redis (they also renew the key's TTL). Keys of other chats, and updates fed outside a
turn, go straight to Redis as in `RedisStorage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from shared.chat_turns import held_turn


def _turn_fsm(key: StorageKey) -> dict[str, str | None] | None:
    turn = held_turn.get()
    return turn.known if turn is not None and turn.chat_id == key.chat_id else None


class TurnStorage(RedisStorage):
    async def get_state(self, key: StorageKey) -> str | None:
        known = _turn_fsm(key)
        if known is None:
            return await super().get_state(key)
        redis_key = self.key_builder.build(key, "state")
        if redis_key not in known:
            known[redis_key] = await super().get_state(key)
        return known[redis_key]

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        known = _turn_fsm(key)
        if known is None:
            await super().set_state(key, state)
            return
        redis_key = self.key_builder.build(key, "state")
        value = state.state if isinstance(state, State) else state
        if value is None and redis_key in known and known[redis_key] is None:
            return  # absent already: deleting it again changes nothing
        known.pop(redis_key, None)  # a failed write leaves nothing assumed
        await super().set_state(key, state)
        known[redis_key] = value

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        known = _turn_fsm(key)
        if known is None:
            return await super().get_data(key)
        redis_key = self.key_builder.build(key, "data")
        if redis_key not in known:
            raw = await self.redis.get(redis_key)
            known[redis_key] = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        text = known[redis_key]
        if text is None:
            return {}
        found: dict[str, Any] = self.json_loads(text)  # a fresh dict each time, as Redis gives
        return found

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        known = _turn_fsm(key)
        if known is None:
            await super().set_data(key, data)
            return
        redis_key = self.key_builder.build(key, "data")
        if not data and isinstance(data, dict) and redis_key in known and known[redis_key] is None:
            return  # absent already
        known.pop(redis_key, None)
        await super().set_data(key, data)
        known[redis_key] = self.json_dumps(data) if data else None
