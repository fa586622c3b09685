"""Believing a refund, and recording it once.

A `refund.succeeded` notification names a refund; nothing in it is taken on trust. The refund
is fetched back from YooKassa by id, and recorded only if it agrees: it succeeded, its payment
is the one the notification names and a payment billing created and saw succeed, the currency
is the payment's, and all refunds of that payment together never exceed what was paid. The
ledger row is unique by refund id and carries the payment's new refunded total (one
transaction); then `refund.succeeded` is published with a deterministic message id, also when
the refund was recorded before (a retried notification after a failed publish). Anything that
does not agree raises `ForgedNotification` and changes nothing.
"""

from __future__ import annotations

import logging

from services.billing.ports import Events, Ledger, PaymentsApi
from services.billing.use_cases.recording import ForgedNotification, Outcome
from shared.clock import Clock
from shared.messages import RefundSucceeded
from shared.subjects import REFUND_SUCCEEDED

log = logging.getLogger(__name__)

_REFUSED = {
    "exceeds_payment": "refunds would exceed what was paid",
    "not_paid": "the payment did not succeed",
    "conflicts": "this refund was recorded with another payment or amount",
}


class RecordRefund:
    def __init__(self, *, api: PaymentsApi, ledger: Ledger, events: Events, clock: Clock) -> None:
        self._api = api
        self._ledger = ledger
        self._events = events
        self._clock = clock

    async def __call__(self, refund_id: str, claimed_payment_id: str | None) -> Outcome:
        remote = await self._api.get_refund(refund_id)
        if remote is None:
            raise ForgedNotification("YooKassa does not know this refund", claimed_payment_id or "")
        payment_id = remote.payment_id
        if claimed_payment_id is not None and claimed_payment_id != payment_id:
            raise ForgedNotification("the refund belongs to another payment", claimed_payment_id)
        if remote.status != "succeeded":
            raise ForgedNotification(f"refund is {remote.status}, not succeeded", payment_id)
        local = await self._ledger.get_payment(payment_id)
        if local is None:
            raise ForgedNotification("billing never created this payment", payment_id)
        if local.status not in {"succeeded", "refunded"}:
            raise ForgedNotification(f"payment is {local.status}, not succeeded", payment_id)
        if remote.currency != local.currency or remote.amount_kopecks <= 0:
            raise ForgedNotification("refund currency or amount do not fit", payment_id)
        totals = await self._ledger.record_refund(
            refund_id=refund_id,
            payment_id=payment_id,
            amount_kopecks=remote.amount_kopecks,
            currency=remote.currency,
        )
        if totals.verdict in _REFUSED:
            raise ForgedNotification(_REFUSED[totals.verdict], payment_id)
        await self._events.publish(
            REFUND_SUCCEEDED,
            RefundSucceeded(
                refund_id=refund_id,
                payment_id=payment_id,
                amount_kopecks=remote.amount_kopecks,
                tenant_id=local.tenant_id,
                signup_id=local.signup_id,
                paid_kopecks=totals.paid_kopecks,
                refunded_kopecks=totals.refunded_kopecks,
                period_days=local.period_days,
                currency=remote.currency,
                refunded_at=self._clock.now(),
            ),
            msg_id=f"yookassa:{refund_id}:refund",
        )
        log.info(
            "refund %s of payment %s: %d of %d kopecks refunded (%s)",
            refund_id,
            payment_id,
            totals.refunded_kopecks,
            totals.paid_kopecks,
            totals.verdict,
        )
        return "recorded" if totals.verdict == "recorded" else "duplicate"
