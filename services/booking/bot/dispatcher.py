"""Assembling the one Dispatcher all tenant bots share: storage, middlewares, feature routers."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import KeyBuilder
from redis.asyncio import Redis

from services.booking.adapters.locale_cache import BusinessLocales
from services.booking.bot import (
    admin,
    booking_flow,
    closure_offers,
    confirm,
    contact,
    errors,
    fallback,
    join,
    marketing,
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
from shared.chat_turns import TurnIsolation
from shared.chats import PrivateChatsOnly
from shared.redis_keys import TenantKeyBuilder
from shared.turn_storage import TurnStorage

FSM_STATE_TTL_SECONDS = 7 * 24 * 3600


def build_dispatcher(redis: Redis) -> Dispatcher:
    keys = TenantKeyBuilder()
    storage = TurnStorage(  # the FSM read once per update while its chat's turn is held
        redis, key_builder=keys, state_ttl=FSM_STATE_TTL_SECONDS, data_ttl=FSM_STATE_TTL_SECONDS
    )
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=TurnIsolation(redis, key_builder=keys),  # the puller's chat turns
    )
    dispatcher.update.outer_middleware(PrivateChatsOnly())  # first: nothing else runs
    dispatcher.update.outer_middleware(suspended.SuspendedTenant())
    dispatcher.update.outer_middleware(CustomerContext(BusinessLocales(redis)))
    dispatcher.include_router(slotwait.errors_router())  # before the general refusals
    dispatcher.include_router(errors.router())
    dispatcher.include_router(admin.router())  # staff only; passes customer updates by
    dispatcher.include_router(join.router())  # /start inv_<code>: before the customer's /start
    dispatcher.include_router(opening.router())  # «tell me when booking opens»
    for feature in (start, contact, reviews, booking_flow, confirm, my_bookings, reminders):
        dispatcher.include_router(feature.router())
    for feature in (closure_offers, master_photo, slotwait):
        dispatcher.include_router(feature.router())
    dispatcher.include_router(marketing.router())  # opt-out and «Записаться» of bulk messages
    dispatcher.include_router(fallback.router())  # last: whatever nobody else took
    return dispatcher


def fsm_keys(dispatcher: Dispatcher) -> KeyBuilder:
    """The key builder of the dispatcher's FSM storage: the keys the puller reads with a
    chat's turn are built by the same one (`subscribers.turn_reads`)."""
    storage = dispatcher.fsm.storage
    if not isinstance(storage, TurnStorage):
        raise TypeError("the booking dispatcher keeps its FSM in a TurnStorage")
    return storage.key_builder
