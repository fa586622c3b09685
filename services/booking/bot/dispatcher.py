"""Assembling the one Dispatcher all tenant bots share: storage, middlewares, feature routers."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis

from services.booking.bot import start, suspended
from shared.redis_keys import TenantKeyBuilder

FSM_STATE_TTL_SECONDS = 7 * 24 * 3600


def build_dispatcher(redis: Redis) -> Dispatcher:
    keys = TenantKeyBuilder()
    storage = RedisStorage(
        redis, key_builder=keys, state_ttl=FSM_STATE_TTL_SECONDS, data_ttl=FSM_STATE_TTL_SECONDS
    )
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=RedisEventIsolation(redis, key_builder=keys),
    )
    dispatcher.update.outer_middleware(suspended.SuspendedTenant())
    dispatcher.include_router(start.router())
    return dispatcher
