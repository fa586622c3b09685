"""Creating a YooKassa payment for a plan: never twice for one step, always linked to its signup.

The `Idempotence-Key` is deterministic (the signup or tenant, the plan, and how many earlier
attempts ended), so a retried step (a double tap, a crash after the API call) returns the same
payment instead of creating a second one. An open payment for the same plan is reused.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.billing.config import Plan
from services.billing.ports import Ledger, PaymentRecord, PaymentsApi, Purpose
from shared.clock import Clock
from shared.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class CheckoutView:
    payment_id: str
    confirmation_url: str
    amount_kopecks: int
    plan: Plan


class Checkout:
    def __init__(
        self,
        *,
        api: PaymentsApi,
        ledger: Ledger,
        clock: Clock,
        return_url: str,
        receipts: bool,
        vat_code: int,
    ) -> None:
        self._api = api
        self._ledger = ledger
        self._clock = clock
        self._return_url = return_url
        self._receipts = receipts
        self._vat_code = vat_code

    async def start(
        self,
        *,
        plan: Plan,
        purpose: Purpose,
        buyer_chat_id: int,
        signup_id: str | None = None,
        tenant_id: str | None = None,
        business_name: str = "",
        receipt_email: str | None = None,
        save_method: bool = False,
    ) -> CheckoutView:
        if (signup_id is None) == (tenant_id is None):
            raise ValueError("a payment is for either a signup or a tenant")
        existing = await self._ledger.open_payment(
            signup_id=signup_id, tenant_id=tenant_id, plan_code=plan.code
        )
        if existing is not None and existing.confirmation_url:
            return CheckoutView(
                existing.payment_id, existing.confirmation_url, existing.amount_kopecks, plan
            )
        attempt = await self._ledger.count_attempts(
            signup_id=signup_id, tenant_id=tenant_id, plan_code=plan.code
        )
        owner = f"signup:{signup_id}" if signup_id else f"tenant:{tenant_id}"
        key = f"{owner}:{plan.code}:{attempt}"
        metadata = {"purpose": purpose, "plan": plan.code}
        if signup_id:
            metadata["signup_id"] = signup_id
        if tenant_id:
            metadata["tenant_id"] = tenant_id
        description = f"Бот для записи «{business_name}»: {plan.title}"[:128]
        payment = await self._api.create_payment(
            amount_kopecks=plan.price_kopecks,
            description=description,
            return_url=self._return_url,
            metadata=metadata,
            idempotence_key=key,
            receipt=self._receipt(plan, receipt_email) if self._receipts else None,
            save_payment_method=save_method,
        )
        if payment.amount_kopecks != plan.price_kopecks or payment.confirmation_url is None:
            raise RuleViolation("payment_mismatch", payment_id=payment.id)
        record = await self._ledger.insert_payment(
            PaymentRecord(
                payment_id=payment.id,
                idempotence_key=key,
                signup_id=signup_id,
                tenant_id=tenant_id,
                purpose=purpose,
                plan_code=plan.code,
                period_days=plan.period_days,
                amount_kopecks=plan.price_kopecks,
                currency=payment.currency,
                buyer_chat_id=buyer_chat_id,
                status=payment.status,
                confirmation_url=payment.confirmation_url,
                created_at=self._clock.now(),
            )
        )
        return CheckoutView(
            record.payment_id, payment.confirmation_url, record.amount_kopecks, plan
        )

    async def charge_saved(
        self,
        *,
        plan: Plan,
        tenant_id: str,
        buyer_chat_id: int,
        payment_method_id: str,
        idempotence_key: str,
        business_name: str = "",
        receipt_email: str | None = None,
    ) -> PaymentRecord:
        """An autopayment: charge a saved card for a renewal, with no confirmation.

        The caller's key names the period (tenant and paid-until), so one period is charged once
        however often this is called."""
        payment = await self._api.create_payment(
            amount_kopecks=plan.price_kopecks,
            description=f"Продление бота «{business_name}»: {plan.title}"[:128],
            return_url=self._return_url,
            metadata={"purpose": "renewal", "plan": plan.code, "tenant_id": tenant_id},
            idempotence_key=idempotence_key,
            receipt=self._receipt(plan, receipt_email) if self._receipts else None,
            payment_method_id=payment_method_id,
        )
        if payment.amount_kopecks != plan.price_kopecks:
            raise RuleViolation("payment_mismatch", payment_id=payment.id)
        return await self._ledger.insert_payment(
            PaymentRecord(
                payment_id=payment.id,
                idempotence_key=idempotence_key,
                signup_id=None,
                tenant_id=tenant_id,
                purpose="renewal",
                plan_code=plan.code,
                period_days=plan.period_days,
                amount_kopecks=plan.price_kopecks,
                currency=payment.currency,
                buyer_chat_id=buyer_chat_id,
                status=payment.status,
                confirmation_url=None,
                created_at=self._clock.now(),
            )
        )

    def _receipt(self, plan: Plan, email: str | None) -> dict[str, object]:
        """A 54-FZ receipt: one service line for the plan."""
        if not email:
            raise RuleViolation("receipt_email_required")
        rubles = f"{plan.price_kopecks // 100}.{plan.price_kopecks % 100:02d}"
        return {
            "customer": {"email": email},
            "items": [
                {
                    "description": f"Подписка на бот записи: {plan.title}"[:128],
                    "quantity": "1.00",
                    "amount": {"value": rubles, "currency": "RUB"},
                    "vat_code": self._vat_code,
                    "payment_subject": "service",
                    "payment_mode": "full_payment",
                }
            ],
        }
