"""What billing does with `tenant.*` events: remember who bought and owns each tenant, and
charge a saved card the day before a period ends (when autopayments are on)."""

from __future__ import annotations

import logging

from services.billing.config import Plan
from services.billing.ports import TenantRecord, Tenants
from services.billing.use_cases.checkout import Checkout
from services.billing.use_cases.recording import PaymentRecorder
from shared.messages import TenantExpiring, TenantProvisioned

log = logging.getLogger(__name__)

AUTOPAY_DAYS_LEFT = 1


class TrackTenants:
    def __init__(self, *, tenants: Tenants) -> None:
        self._tenants = tenants

    async def provisioned(self, event: TenantProvisioned) -> None:
        await self._tenants.provisioned(
            TenantRecord(
                tenant_id=event.tenant_id,
                signup_id=event.signup_id or None,
                buyer_chat_id=event.buyer_chat_id,
                owner_chat_id=event.owner_chat_id,
                business_name=event.business_name,
                bot_username=event.bot_username,
                paid_until=event.paid_until,
                status="active",
            )
        )

    async def changed(self, tenant_id: str, kind: str, event: object) -> None:
        """`renewed`, `refunded`, `resumed`, `suspended`, `deleted`: keep the status and period
        in step (a refund changes the period only; its suspension comes as `suspended`)."""
        paid_until = getattr(event, "paid_until", None)
        if kind == "refunded":
            await self._tenants.update(tenant_id, paid_until=paid_until)
            return
        status = {"renewed": "active", "resumed": "active"}.get(kind, kind)
        if status not in {"active", "suspended", "deleted"}:
            return
        await self._tenants.update(tenant_id, status=status, paid_until=paid_until)


class AutoRenew:
    """Charges the tenant's saved card once per period, the day before it ends."""

    def __init__(
        self,
        *,
        enabled: bool,
        plans: tuple[Plan, ...],
        tenants: Tenants,
        checkout: Checkout,
        recorder: PaymentRecorder,
    ) -> None:
        self._enabled = enabled
        self._plans = {plan.code: plan for plan in plans}
        self._tenants = tenants
        self._checkout = checkout
        self._recorder = recorder

    async def __call__(self, event: TenantExpiring) -> str | None:
        """The payment id charged (or already charged for this period), or None."""
        if not self._enabled or event.days_left != AUTOPAY_DAYS_LEFT:
            return None
        method = await self._tenants.saved_method(event.tenant_id)
        tenant = await self._tenants.get(event.tenant_id)
        if method is None or tenant is None or tenant.status == "deleted":
            return None
        plan = self._plans.get(method.plan_code)
        if plan is None:
            log.warning("no plan %s any more for the autopayment", method.plan_code)
            return None
        payment = await self._checkout.charge_saved(
            plan=plan,
            tenant_id=event.tenant_id,
            buyer_chat_id=tenant.buyer_chat_id,
            payment_method_id=method.payment_method_id,
            idempotence_key=f"auto:{event.tenant_id}:{int(event.paid_until.timestamp())}",
            business_name=tenant.business_name,
            receipt_email=tenant.receipt_email,
        )
        if payment.status == "succeeded":
            await self._recorder.payment(payment.payment_id, "succeeded")
        return payment.payment_id
