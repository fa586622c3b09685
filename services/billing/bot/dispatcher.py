"""Assembling the sales bot's Dispatcher: Redis FSM under `p:sales:`, routers per feature."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis

from services.billing.bot import errors, purchase, renewal, signup, start
from services.billing.bot.common import LocaleMiddleware
from shared.chats import PrivateChatsOnly
from shared.clock import Clock
from shared.redis_keys import TenantKeyBuilder

SALES_SCOPE = "sales"


def build_sales_dispatcher(redis: Redis, *, clock: Clock, state_ttl_seconds: int) -> Dispatcher:
    keys = TenantKeyBuilder(platform_scope=SALES_SCOPE)
    storage = RedisStorage(
        redis, key_builder=keys, state_ttl=state_ttl_seconds, data_ttl=state_ttl_seconds
    )
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=RedisEventIsolation(redis, key_builder=keys),
        name="sales",
    )
    dispatcher.update.outer_middleware(PrivateChatsOnly())
    dispatcher.update.outer_middleware(LocaleMiddleware())
    dispatcher.include_routers(
        errors.router(),
        start.router(clock),
        signup.router(),
        purchase.router(),
        renewal.router(),
        errors.fallback_router(),
    )
    return dispatcher
