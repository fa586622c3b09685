"""The provisioner's bus edge: payments and trials in, tenants out; the operator bot's updates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import msgspec
from aiogram import Bot, Dispatcher
from faststream.nats import NatsMessage, NatsRouter

from services.provisioner.bot import OpsDeps
from services.provisioner.use_cases import Provisioning, Refunds
from services.provisioner.use_cases.rezoning import Rezoning
from shared.apology import Apology
from shared.bus import Consumer, Publisher, RetryPolicy, subscriber_options
from shared.errors import PoisonMessage
from shared.messages import (
    BusinessRezoned,
    DecorateBot,
    PaymentSucceeded,
    RefundSucceeded,
    TrialStarted,
    decode,
)
from shared.metrics import Metrics
from shared.subjects import (
    PROVISIONER_OPS_UPDATES,
    PROVISIONER_PAYMENTS,
    PROVISIONER_REFUNDS,
    PROVISIONER_REZONED,
    PROVISIONER_SETUP,
    PROVISIONER_TRIALS,
    ConsumerSpec,
)

SERVICE = "provisioner"
E = TypeVar("E", bound=msgspec.Struct)


def provisioning_router(
    provisioning: Provisioning,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
    *,
    concurrency: int,
) -> NatsRouter:
    """Payments are independent, so several are provisioned at once (schema DDL waits on I/O)."""
    router = NatsRouter()
    payments = Consumer(
        service=SERVICE, name="payments", publisher=publisher, metrics=metrics, policy=policy
    )
    trials = Consumer(
        service=SERVICE, name="trials", publisher=publisher, metrics=metrics, policy=policy
    )

    @router.subscriber(
        PROVISIONER_PAYMENTS.subject,
        max_workers=concurrency,
        **subscriber_options(PROVISIONER_PAYMENTS, policy),
    )
    async def on_payment_succeeded(msg: NatsMessage) -> None:
        async def work() -> None:
            await provisioning.on_payment(decode(PaymentSucceeded, msg.body))

        await payments.run(msg, work)

    @router.subscriber(
        PROVISIONER_TRIALS.subject,
        max_workers=concurrency,
        **subscriber_options(PROVISIONER_TRIALS, policy),
    )
    async def on_trial_started(msg: NatsMessage) -> None:
        async def work() -> None:
            await provisioning.on_trial(decode(TrialStarted, msg.body))

        await trials.run(msg, work)

    setup = Consumer(
        service=SERVICE, name="setup", publisher=publisher, metrics=metrics, policy=policy
    )

    @router.subscriber(PROVISIONER_SETUP.subject, **subscriber_options(PROVISIONER_SETUP, policy))
    async def on_decorate_bot(msg: NatsMessage) -> None:
        async def work() -> None:
            await provisioning.decorate(decode(DecorateBot, msg.body))

        await setup.run(msg, work)

    return router


def refunds_router(
    refunds: Refunds, publisher: Publisher, metrics: Metrics, policy: RetryPolicy
) -> NatsRouter:
    """Refunds billing verified: the tenant's paid period shrinks, or it is suspended."""
    return _event_router(
        PROVISIONER_REFUNDS,
        "refunds",
        RefundSucceeded,
        refunds.on_refund,
        publisher,
        metrics,
        policy,
    )


def ops_router(
    *,
    dispatcher: Dispatcher,
    bot: Bot,
    deps: OpsDeps,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
) -> NatsRouter:
    """The operator bot's updates (the gateway publishes them on `tg.platform.ops`), fed in."""
    router = NatsRouter()
    consumer = Consumer(
        service=SERVICE, name="ops-updates", publisher=publisher, metrics=metrics, policy=policy
    )
    apology = Apology(deps.texts)

    @router.subscriber(
        PROVISIONER_OPS_UPDATES.subject, **subscriber_options(PROVISIONER_OPS_UPDATES, policy)
    )
    async def on_ops_update(msg: NatsMessage) -> None:
        async def work() -> None:
            try:
                update = msgspec.json.decode(msg.body)
            except msgspec.DecodeError as error:
                raise PoisonMessage(f"update is not JSON: {error}") from None
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                raise PoisonMessage("update has no update_id")
            await dispatcher.feed_raw_update(bot, update, ops=deps)

        async def give_up() -> None:
            await apology.send(bot, msg.body)

        await consumer.run(msg, work, give_up=give_up)

    return router


def rezoning_router(
    rezoning: Rezoning, publisher: Publisher, metrics: Metrics, policy: RetryPolicy
) -> NatsRouter:
    """The owner changed the business's time zone: the registry and the directory follow."""
    return _event_router(
        PROVISIONER_REZONED,
        "rezoned",
        BusinessRezoned,
        rezoning.on_rezoned,
        publisher,
        metrics,
        policy,
    )


def _event_router(
    spec: ConsumerSpec,
    name: str,
    kind: type[E],
    handle: Callable[[E], Awaitable[object]],
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
) -> NatsRouter:
    """One durable of events of one kind, each decoded and handed to `handle`."""
    router = NatsRouter()
    consumer = Consumer(
        service=SERVICE, name=name, publisher=publisher, metrics=metrics, policy=policy
    )

    @router.subscriber(spec.subject, **subscriber_options(spec, policy))
    async def on_event(msg: NatsMessage) -> None:
        async def work() -> None:
            await handle(decode(kind, msg.body))

        await consumer.run(msg, work)

    return router
