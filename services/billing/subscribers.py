"""Billing's bus edge: the sales bot's updates (from the gateway) and tenant lifecycle events."""

from __future__ import annotations

import logging

import msgspec
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from faststream.nats import NatsMessage, NatsRouter
from pydantic import ValidationError

from services.billing.bot import SalesDeps
from services.billing.use_cases import AutoRenew, TrackTenants
from services.billing.use_cases.prepay import OpenPrepayment, ShopRefunds
from shared.apology import Apology
from shared.bus import Consumer, Publisher, RetryPolicy, subscriber_options
from shared.errors import PoisonMessage
from shared.messages import (
    PrepayCommand,
    PrepayHold,
    TenantDeleted,
    TenantExpiring,
    TenantProvisioned,
    TenantRefunded,
    TenantRenewed,
    TenantResumed,
    TenantSuspended,
    decode,
)
from shared.metrics import Metrics
from shared.subjects import BILLING_PREPAY, BILLING_SALES_UPDATES, BILLING_TENANTS
from shared.updates import without_nul

SERVICE = "billing"
log = logging.getLogger(__name__)

_STATUS_EVENTS: dict[str, type[msgspec.Struct]] = {
    "renewed": TenantRenewed,
    "refunded": TenantRefunded,
    "resumed": TenantResumed,
    "suspended": TenantSuspended,
    "deleted": TenantDeleted,
}


class _UpdateHead(msgspec.Struct):
    update_id: int


def sales_router(
    *,
    dispatcher: Dispatcher,
    bot: Bot,
    deps: SalesDeps,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
    max_workers: int,
) -> NatsRouter:
    router = NatsRouter()
    consumer = Consumer(
        service=SERVICE,
        name="sales-updates",
        publisher=publisher,
        metrics=metrics,
        policy=policy,
        erase_secrets=True,  # buyers paste BotFather tokens here
    )
    options = subscriber_options(BILLING_SALES_UPDATES, policy)
    apology = Apology(deps.texts)

    @router.subscriber(BILLING_SALES_UPDATES.subject, max_workers=max_workers, **options)
    async def on_sales_update(msg: NatsMessage) -> None:
        async def work() -> None:
            try:
                msgspec.json.decode(msg.body, type=_UpdateHead)
                update = without_nul(msgspec.json.decode(msg.body))
            except (msgspec.DecodeError, msgspec.ValidationError) as error:
                raise PoisonMessage(f"not a Telegram update: {error}") from None
            try:
                await dispatcher.feed_raw_update(bot, update, sales=deps)
            except ValidationError as error:
                if error.title != Update.__name__:
                    raise
                # aiogram cannot read it: no retry can help
                raise PoisonMessage(f"not a Telegram update: {error}") from None

        async def give_up() -> None:
            await apology.send(bot, msg.body)

        await consumer.run(msg, work, give_up=give_up)

    return router


def tenants_router(
    *,
    track: TrackTenants,
    autorenew: AutoRenew,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
) -> NatsRouter:
    router = NatsRouter()
    consumer = Consumer(
        service=SERVICE, name="tenants", publisher=publisher, metrics=metrics, policy=policy
    )
    options = subscriber_options(BILLING_TENANTS, policy)

    @router.subscriber(BILLING_TENANTS.subject, **options)
    async def on_tenant_event(msg: NatsMessage) -> None:
        parts = msg.raw_message.subject.split(".")
        kind, tenant_id = (parts[1], parts[2]) if len(parts) == 3 else ("", "")

        async def work() -> None:
            if kind == "provisioned":
                await track.provisioned(decode(TenantProvisioned, msg.body))
            elif kind == "expiring":
                charged = await autorenew(decode(TenantExpiring, msg.body))
                if charged:
                    log.info("autopayment %s for %s", charged, tenant_id)
            elif kind in _STATUS_EVENTS:
                await track.changed(tenant_id, kind, decode(_STATUS_EVENTS[kind], msg.body))

        await consumer.run(msg, work, tenant=tenant_id or None)

    return router


def prepay_router(
    *,
    open_payment: OpenPrepayment,
    refunds: ShopRefunds,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
) -> NatsRouter:
    """`booking.prepay.<t>`: a hold to create a payment for, or a refund to make."""
    router = NatsRouter()
    consumer = Consumer(
        service=SERVICE, name="prepay", publisher=publisher, metrics=metrics, policy=policy
    )
    options = subscriber_options(BILLING_PREPAY, policy)

    @router.subscriber(BILLING_PREPAY.subject, **options)
    async def on_prepay(msg: NatsMessage) -> None:
        tenant_id = msg.raw_message.subject.rsplit(".", 1)[-1]

        async def work() -> None:
            try:
                command = msgspec.json.decode(msg.body, type=PrepayCommand)
            except (msgspec.DecodeError, msgspec.ValidationError) as error:
                raise PoisonMessage(f"PrepayCommand: {error}") from None
            if command.tenant_id != tenant_id:
                raise PoisonMessage("the command names another tenant than its subject")
            if isinstance(command, PrepayHold):
                outcome = await open_payment(command)
            else:
                outcome = await refunds.request(command)
            log.info(
                "prepay %s of booking %s: %s",
                command.__class__.__name__,
                command.booking_id,
                outcome,
            )

        await consumer.run(msg, work, tenant=tenant_id)

    return router
