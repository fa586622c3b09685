"""«Проверить оплату»: ask YooKassa about the buyer's payment and record it as the webhook would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.billing.ports import Ledger, PaymentsApi, Purpose
from services.billing.use_cases.recording import PaymentRecorder
from shared.errors import RuleViolation

PaymentState = Literal["succeeded", "pending", "canceled"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    state: PaymentState
    purpose: Purpose


class CheckPayment:
    def __init__(self, *, api: PaymentsApi, ledger: Ledger, recorder: PaymentRecorder) -> None:
        self._api = api
        self._ledger = ledger
        self._recorder = recorder

    async def __call__(self, payment_id: str, chat_id: int) -> CheckResult:
        local = await self._ledger.get_payment(payment_id)
        if local is None or local.buyer_chat_id != chat_id:
            raise RuleViolation("payment_unknown")
        remote = await self._api.get_payment(payment_id)
        if remote is None:
            raise RuleViolation("payment_unknown")
        if remote.status == "succeeded":
            await self._recorder.payment(payment_id, "succeeded", remote=remote)
            return CheckResult("succeeded", local.purpose)
        if remote.status == "canceled":
            await self._recorder.payment(payment_id, "canceled", remote=remote)
            return CheckResult("canceled", local.purpose)
        return CheckResult("pending", local.purpose)
