"""The provisioner's bus edge: payments and trials in, tenants out."""

from __future__ import annotations

from faststream.nats import NatsMessage, NatsRouter

from services.provisioner.use_cases import Provisioning
from shared.bus import Consumer, Publisher, RetryPolicy, subscriber_options
from shared.messages import PaymentSucceeded, TrialStarted, decode
from shared.metrics import Metrics
from shared.subjects import PROVISIONER_PAYMENTS, PROVISIONER_TRIALS

SERVICE = "provisioner"


def provisioning_router(
    provisioning: Provisioning, publisher: Publisher, metrics: Metrics, policy: RetryPolicy
) -> NatsRouter:
    router = NatsRouter()
    payments = Consumer(
        service=SERVICE, name="payments", publisher=publisher, metrics=metrics, policy=policy
    )
    trials = Consumer(
        service=SERVICE, name="trials", publisher=publisher, metrics=metrics, policy=policy
    )

    @router.subscriber(
        PROVISIONER_PAYMENTS.subject, **subscriber_options(PROVISIONER_PAYMENTS, policy)
    )
    async def on_payment_succeeded(msg: NatsMessage) -> None:
        async def work() -> None:
            await provisioning.on_payment(decode(PaymentSucceeded, msg.body))

        await payments.run(msg, work)

    @router.subscriber(PROVISIONER_TRIALS.subject, **subscriber_options(PROVISIONER_TRIALS, policy))
    async def on_trial_started(msg: NatsMessage) -> None:
        async def work() -> None:
            await provisioning.on_trial(decode(TrialStarted, msg.body))

        await trials.run(msg, work)

    return router
