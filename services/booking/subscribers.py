"""Booking's bus edge: every tenant bot's updates, fed to the shared dispatcher with the tenant.

`update_handler` is what runs for one pulled update; `updates_puller` pulls the durable for it
(in batches, each chat's updates in order, several processes sharing the durable).
"""

from __future__ import annotations

import logging

import msgspec
from aiogram import Dispatcher
from aiogram.types import Update
from nats.js import JetStreamContext
from pydantic import ValidationError
from redis.asyncio import Redis

from services.booking.context import BookingDeps, TenantContext
from services.booking.tenant_bots import TenantBots
from shared.apology import Apology
from shared.bus import Consumer, Publisher, RetryPolicy
from shared.chat_turns import ChatTurns
from shared.errors import PoisonMessage
from shared.metrics import Metrics
from shared.nats_permissions import inbox_prefix
from shared.ordered_pull import Handler, OrderedPuller, Pulled
from shared.redis_keys import current_tenant
from shared.subjects import BOOKING_UPDATES, check_tenant_id
from shared.updates import decode_update

SERVICE = "booking"
log = logging.getLogger(__name__)


def _tenant_of(subject: str) -> str:
    return subject.rsplit(".", 1)[-1]


def updates_puller(
    js: JetStreamContext, redis: Redis, handler: Handler, *, workers: int, batch: int
) -> OrderedPuller:
    return OrderedPuller(
        js,
        stream=BOOKING_UPDATES.stream.name,
        durable=BOOKING_UPDATES.durable,
        inbox_prefix=f"{inbox_prefix(SERVICE)}.".encode(),
        turns=ChatTurns(redis, BOOKING_UPDATES.durable),
        tenant_of=lambda subject: check_tenant_id(_tenant_of(subject)),
        handler=handler,
        workers=workers,
        batch=batch,
    )


def update_handler(
    *,
    dispatcher: Dispatcher,
    deps: BookingDeps,
    tenants: TenantBots,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
) -> Handler:
    consumer = Consumer(
        service=SERVICE, name="updates", publisher=publisher, metrics=metrics, policy=policy
    )
    apology = Apology(deps.texts)

    async def on_tenant_update(msg: Pulled) -> None:
        tenant_id = _tenant_of(msg.raw_message.subject)

        async def work() -> None:
            found = await tenants.get(tenant_id)
            if found is None:
                log.info("dropping an update for unknown tenant %s", tenant_id)
                return
            try:
                update = decode_update(msg.body)
            except msgspec.DecodeError as error:
                raise PoisonMessage(f"update is not JSON: {error}") from None
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                raise PoisonMessage("update has no update_id")
            context = TenantContext(
                tenant_id=tenant_id, config=found.config, update_id=update["update_id"]
            )
            token = current_tenant.set(tenant_id)
            try:
                await dispatcher.feed_raw_update(found.bot, update, tenant=context, deps=deps)
            except ValidationError as error:
                if error.title != Update.__name__:
                    raise
                # aiogram cannot read it: no retry can help
                raise PoisonMessage(f"not a Telegram update: {error}") from None
            finally:
                current_tenant.reset(token)

        async def give_up() -> None:
            found = await tenants.get(tenant_id)
            if found is not None:
                await apology.send(found.bot, msg.body)

        await consumer.run(msg, work, tenant=tenant_id, give_up=give_up)

    return on_tenant_update
