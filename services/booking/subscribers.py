"""Booking's bus edge: every tenant bot's updates, fed to the shared dispatcher with the tenant.

`update_handler` is what runs for one pulled update; `updates_puller` pulls the durable for it
(in batches, each chat's updates in order, several processes sharing the durable).

`prepay_router`: billing's prepayment answers (`payment.prepay.<t>`, durable
`booking-prepay`), one use case per event in the tenant's transaction, then the customer's
message through the tenant's bot. The state change commits before the message is sent and a
repeated event changes nothing and sends nothing: a crash between the commit and the send
loses that one message (at most once), never doubles it.

`outcomes_router`: the notifier's delivery outcomes (durable `booking-outcomes`): a chat that
blocked the bot, a broadcast that ended or was refused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import asyncpg
import msgspec
from aiogram import Dispatcher
from aiogram.fsm.storage.base import KeyBuilder, StorageKey
from aiogram.types import Update
from faststream.nats import NatsMessage, NatsRouter
from nats.js import JetStreamContext
from pydantic import ValidationError
from redis.asyncio import Redis

from services.booking.adapters.locale_cache import locale_key
from services.booking.adapters.marketing_sql import PgMarketingStore
from services.booking.bot.screens import Words
from services.booking.bot.screens import prepay as prepay_screens
from services.booking.context import BookingDeps, TenantContext
from services.booking.tenant_bots import TenantBots
from services.booking.use_cases import delivery_outcomes
from services.booking.use_cases.delivery_outcomes import BROADCAST_ENDED_KINDS
from services.booking.use_cases.prepay import outcomes
from shared.apology import Apology
from shared.bus import Consumer, Publisher, RetryPolicy, subscriber_options
from shared.chat_turns import ChatTurns
from shared.errors import PoisonMessage
from shared.messages import DeliveryOutcome, PrepayOutcome
from shared.metrics import Metrics
from shared.nats_permissions import inbox_prefix
from shared.ordered_pull import Handler, OrderedPuller, Pulled, TurnReads
from shared.redis_keys import current_tenant
from shared.subjects import BOOKING_OUTCOMES, BOOKING_PREPAY, BOOKING_UPDATES, check_tenant_id
from shared.updates import decode_update

SERVICE = "booking"
log = logging.getLogger(__name__)


def _tenant_of(subject: str) -> str:
    return subject.rsplit(".", 1)[-1]


def _sequence_of(msg: Pulled) -> int:
    """The update's sequence in the TG stream, 0 when the message has no JetStream metadata."""
    try:
        return int(msg.raw_message.metadata.sequence.stream)
    except (AttributeError, ValueError, TypeError):
        return 0


BotIdOf = Callable[[str], Awaitable[int | None]]  # a tenant's bot id, None: not ours


def turn_reads(bot_id_of: BotIdOf, keys: KeyBuilder) -> TurnReads:
    """What an update of a chat reads first, read with the chat's turn: the chat's FSM state
    and data (in a private chat the user is the chat; `keys` is the dispatcher's key builder)
    and the business language (`locale_cache`). A key an update does not use costs nothing
    more than its place in the turn's one Redis call."""

    async def reads(tenant_id: str, chat_id: int) -> list[str]:
        try:
            bot_id = await bot_id_of(tenant_id)
        except Exception:  # noqa: BLE001 - only a saving: the handler meets the error itself
            return []
        if bot_id is None:
            return []
        fsm = StorageKey(bot_id=bot_id, chat_id=chat_id, user_id=chat_id)
        token = current_tenant.set(tenant_id)  # the tenant part of the FSM keys
        try:
            return [keys.build(fsm, "state"), keys.build(fsm, "data"), locale_key(tenant_id)]
        finally:
            current_tenant.reset(token)

    return reads


def updates_puller(
    js: JetStreamContext,
    redis: Redis,
    handler: Handler,
    *,
    workers: int,
    batch: int,
    reads: TurnReads,
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
        reads=reads,
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
                tenant_id=tenant_id,
                config=found.config,
                update_id=update["update_id"],
                sequence=_sequence_of(msg),
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


def prepay_router(
    *,
    deps: BookingDeps,
    tenants: TenantBots,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
) -> NatsRouter:
    router = NatsRouter()
    consumer = Consumer(
        service=SERVICE, name="prepay", publisher=publisher, metrics=metrics, policy=policy
    )
    options = subscriber_options(BOOKING_PREPAY, policy)

    @router.subscriber(BOOKING_PREPAY.subject, **options)
    async def on_prepay(msg: NatsMessage) -> None:
        tenant_id = msg.raw_message.subject.rsplit(".", 1)[-1]

        async def work() -> None:
            try:
                event = msgspec.json.decode(msg.body, type=PrepayOutcome)
                check_tenant_id(tenant_id)
            except (msgspec.DecodeError, msgspec.ValidationError) as error:
                raise PoisonMessage(f"PrepayOutcome: {error}") from None
            if event.tenant_id != tenant_id:
                raise PoisonMessage("the event names another tenant than its subject")
            found = await tenants.get(tenant_id)
            if found is None:
                log.info("prepayment event for unknown tenant %s skipped", tenant_id)
                return
            scope = deps.scope(tenant_id, found.config.db_server)
            business_words = Words(deps.texts, deps.texts.locale_for(found.config.locale))
            note = await outcomes.handle(
                scope, event, expired_reason=business_words("prepay.expired_reason")
            )
            if note is None:
                return
            words = Words(deps.texts, deps.texts.locale_for(note.language_code or None))
            screen = prepay_screens.notice(words, note)
            await found.bot.send_message(note.chat_id, screen.text, reply_markup=screen.markup)

        await consumer.run(msg, work, tenant=tenant_id)

    return router


TenantPool = Callable[[str], Awaitable[asyncpg.Pool | None]]  # None: not a business of ours


def outcomes_router(
    *,
    pool_of: TenantPool,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
) -> NatsRouter:
    """The notifier's delivery outcomes (`notify.outcome.<t>`, durable `booking-outcomes`):
    chats that blocked the bot, broadcasts that ended (`use_cases.delivery_outcomes`)."""
    router = NatsRouter()
    consumer = Consumer(
        service=SERVICE, name="outcomes", publisher=publisher, metrics=metrics, policy=policy
    )
    options = subscriber_options(BOOKING_OUTCOMES, policy)

    @router.subscriber(BOOKING_OUTCOMES.subject, **options)
    async def on_outcome(msg: NatsMessage) -> None:
        tenant_id = _tenant_of(msg.raw_message.subject)

        async def work() -> None:
            try:
                event = msgspec.json.decode(msg.body, type=DeliveryOutcome)
                check_tenant_id(tenant_id)
            except (msgspec.DecodeError, msgspec.ValidationError) as error:
                raise PoisonMessage(f"DeliveryOutcome: {error}") from None
            if event.tenant_id != tenant_id:
                raise PoisonMessage("the event names another tenant than its subject")
            if event.status != "blocked" and event.kind not in BROADCAST_ENDED_KINDS:
                return  # most outcomes (sent reminders...) tell booking nothing
            pool = await pool_of(tenant_id)
            if pool is None:
                return  # not a business's bot (the sales bot's chats) or gone
            await delivery_outcomes.handle(PgMarketingStore(pool, tenant_id), event)

        await consumer.run(msg, work, tenant=tenant_id)

    return router
