"""Payments stuck in `pending`: asked back from YooKassa and recorded like a notification.

A notification can be lost (billing down for longer than YooKassa retries, a network fault), so
a payment billing created that is still `pending` after `older_than` is fetched by id through
the same adapter. A settled one (succeeded or canceled) goes through `PaymentRecorder.payment`,
the same verified recording as the webhook (ledger row and event in one transaction, once);
one still pending is left for the next pass; one YooKassa disagrees about is logged, not
recorded. Safe to run from several replicas: recording is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from services.billing.ports import Ledger, PaymentsApi
from services.billing.use_cases.recording import ForgedNotification, PaymentRecorder, Settled

log = logging.getLogger(__name__)


@dataclass
class PendingReport:
    recorded: list[str] = field(default_factory=list)
    still_pending: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class ReconcilePending:
    def __init__(
        self,
        *,
        api: PaymentsApi,
        ledger: Ledger,
        recorder: PaymentRecorder,
        older_than: timedelta = timedelta(minutes=10),
        batch: int = 100,
    ) -> None:
        self._api = api
        self._ledger = ledger
        self._recorder = recorder
        self._older_than = older_than
        self._batch = batch

    async def __call__(self) -> PendingReport:
        report = PendingReport()
        for payment_id in await self._ledger.stale_pending(self._older_than, limit=self._batch):
            remote = await self._api.get_payment(payment_id)
            if remote is None or remote.status not in {"succeeded", "canceled"}:
                report.still_pending.append(payment_id)
                continue
            status: Settled = "succeeded" if remote.status == "succeeded" else "canceled"
            try:
                await self._recorder.payment(payment_id, status, remote=remote)
            except ForgedNotification as refused:
                log.warning("pending payment %s not recorded: %s", payment_id, refused.why)
                report.refused.append(payment_id)
            else:
                report.recorded.append(payment_id)
        return report
