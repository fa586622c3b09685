"""Recording what YooKassa says about a payment, once, after checking it back with the API.

One path for every way billing learns of a payment's outcome: the webhook (after its
source-address check), the buyer's «Проверить оплату» button and an autopayment (refunds are
`refunds.RecordRefund`'s). A payment is
believed only if billing created it and the payment fetched from the API agrees: status,
amount, currency and metadata. Then the ledger row and its event (in the shared outbox) are
written once, in one transaction; the relay publishes the event with its deterministic message
id. A second path recording the same outcome writes neither again.
"""

from __future__ import annotations

import logging
from typing import Literal

from services.billing.adapters.yookassa_api import YooPayment
from services.billing.ports import Events, Ledger, OutboxEvent, PaymentRecord, PaymentsApi
from shared.clock import Clock
from shared.errors import Forbidden
from shared.messages import PaymentCanceled, PaymentSucceeded, Signup
from shared.subjects import PAYMENT_CANCELED, PAYMENT_SUCCEEDED

log = logging.getLogger(__name__)

Outcome = Literal["recorded", "duplicate", "ignored"]
Settled = Literal["succeeded", "canceled"]


class ForgedNotification(Forbidden):
    """What was claimed about a payment does not hold (unknown to billing or to YooKassa, or
    the API disagrees): nothing is recorded."""

    def __init__(self, why: str, payment_id: str = "") -> None:
        super().__init__(f"notification refused: {why}")
        self.why = why
        self.payment_id = payment_id


class PaymentRecorder:
    def __init__(self, *, api: PaymentsApi, ledger: Ledger, events: Events, clock: Clock) -> None:
        self._api = api
        self._ledger = ledger
        self._events = events
        self._clock = clock

    async def payment(
        self, payment_id: str, status: Settled, *, remote: YooPayment | None = None
    ) -> Outcome:
        """Record a succeeded or canceled payment; `remote` is the payment just fetched by id
        (fetched here when not given)."""
        local, remote = await self._verified(payment_id, status, remote)
        if status == "succeeded":
            outbox = OutboxEvent(
                PAYMENT_SUCCEEDED,
                await self._succeeded_event(local, remote),
                msg_id=f"yookassa:{payment_id}:succeeded",
            )
        else:
            outbox = OutboxEvent(
                PAYMENT_CANCELED,
                PaymentCanceled(
                    payment_id=payment_id,
                    buyer_chat_id=local.buyer_chat_id,
                    reason="canceled",
                    tenant_id=local.tenant_id,
                ),
                msg_id=f"yookassa:{payment_id}:canceled",
            )
        fresh = await self._ledger.record_event(
            payment_id=payment_id,
            event=f"payment.{status}",
            object_id=payment_id,
            amount_kopecks=local.amount_kopecks,
            currency=local.currency,
            new_status=status,
            payment_method_id=remote.payment_method_id if remote.payment_method_saved else None,
            outbox=outbox,
        )
        return "recorded" if fresh else "duplicate"

    async def _verified(
        self, payment_id: str, status: str, remote: YooPayment | None
    ) -> tuple[PaymentRecord, YooPayment]:
        local = await self._ledger.get_payment(payment_id)
        if local is None:
            raise ForgedNotification("billing never created this payment", payment_id)
        if remote is None or remote.id != payment_id:
            remote = await self._api.get_payment(payment_id)
        if remote is None:
            raise ForgedNotification("YooKassa does not know this payment", payment_id)
        expected = {"purpose": local.purpose, "plan": local.plan_code}
        if local.signup_id:
            expected["signup_id"] = local.signup_id
        if local.tenant_id:
            expected["tenant_id"] = local.tenant_id
        if remote.status != status:
            raise ForgedNotification(f"payment is {remote.status}, not {status}", payment_id)
        if remote.amount_kopecks != local.amount_kopecks or remote.currency != local.currency:
            raise ForgedNotification("amount or currency differ", payment_id)
        if any(remote.metadata.get(k) != v for k, v in expected.items()):
            raise ForgedNotification("metadata differ", payment_id)
        return local, remote

    async def _succeeded_event(self, local: PaymentRecord, remote: YooPayment) -> PaymentSucceeded:
        signup: Signup | None = None
        if local.signup_id:
            record = await self._ledger.get_signup(local.signup_id)
            if record is None or record.bot_id is None or not record.bot_token_sealed:
                raise ForgedNotification(
                    "the signup of this payment is incomplete", local.payment_id
                )
            signup = Signup(
                signup_id=record.signup_id,
                business_name=record.business_name,
                timezone=record.timezone,
                buyer_chat_id=record.buyer_chat_id,
                owner_chat_id=record.owner_chat_id,
                bot_id=record.bot_id,
                bot_username=record.bot_username or "",
                bot_token_sealed=record.bot_token_sealed,
                city=record.city,
            )
        return PaymentSucceeded(
            payment_id=local.payment_id,
            purpose=local.purpose,
            plan_code=local.plan_code,
            period_days=local.period_days,
            amount_kopecks=local.amount_kopecks,
            currency=local.currency,
            paid_at=self._clock.now(),
            signup=signup,
            tenant_id=local.tenant_id,
            buyer_chat_id=local.buyer_chat_id,
            payment_method_id=remote.payment_method_id if remote.payment_method_saved else None,
        )
