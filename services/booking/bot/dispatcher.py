"""Assembling the one Dispatcher all tenant bots share: storage, middlewares, feature routers."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis

from services.booking.bot import (
    admin,
    booking_flow,
    closure_offers,
    confirm,
    contact,
    errors,
    fallback,
    join,
    master_photo,
    my_bookings,
    opening,
    reminders,
    reviews,
    slotwait,
    start,
    suspended,
)
from services.booking.bot.customer import CustomerContext
from shared.chats import PrivateChatsOnly
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
    dispatcher.update.outer_middleware(PrivateChatsOnly())  # first: nothing else runs
    dispatcher.update.outer_middleware(suspended.SuspendedTenant())
    dispatcher.update.outer_middleware(CustomerContext())
    dispatcher.include_router(slotwait.errors_router())  # before the general refusals
    dispatcher.include_router(errors.router())
    dispatcher.include_router(admin.router())  # staff only; passes customer updates by
    dispatcher.include_router(join.router())  # /start inv_<code>: before the customer's /start
    dispatcher.include_router(opening.router())  # «tell me when booking opens»
    for feature in (start, contact, reviews, booking_flow, confirm, my_bookings, reminders):
        dispatcher.include_router(feature.router())
    for feature in (closure_offers, master_photo, slotwait):
        dispatcher.include_router(feature.router())
    dispatcher.include_router(fallback.router())  # last: whatever nobody else took
    return dispatcher
