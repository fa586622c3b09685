"""Buying a plan: for a new bot (a signup) or a renewal (a tenant), with the same questions.

An `Order` is what the buyer chose so far; the bot keeps it in its FSM between questions.
`next_question` says what is still to ask (a receipt email when receipts are on, whether to
save the card when autopayments are on); `pay` re-checks every rule on the server (the plan
exists, the signup is the buyer's and complete, the tenant is the buyer's or owner's) and
starts the YooKassa checkout, which never creates a second payment for the same step.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from services.billing.config import Plan
from services.billing.ports import Ledger, Purpose, TenantRecord, Tenants
from services.billing.use_cases.checkout import Checkout, CheckoutView
from services.billing.use_cases.signup import SignupFlow, check_email
from shared.errors import RuleViolation

Question = Literal["email", "save_card"]


class Order(msgspec.Struct, frozen=True, kw_only=True):
    purpose: Purpose
    plan_code: str
    signup_id: str | None = None
    tenant_id: str | None = None
    email: str | None = None
    save_card: bool | None = None


class Purchase:
    def __init__(
        self,
        *,
        plans: tuple[Plan, ...],
        checkout: Checkout,
        flow: SignupFlow,
        tenants: Tenants,
        ledger: Ledger,
        receipts: bool,
        autopayments: bool,
    ) -> None:
        self._plans = {plan.code: plan for plan in plans}
        self.plans = plans
        self._checkout = checkout
        self._flow = flow
        self._tenants = tenants
        self._ledger = ledger
        self._receipts = receipts
        self._autopayments = autopayments

    def plan(self, code: str) -> Plan:
        plan = self._plans.get(code)
        if plan is None:
            raise RuleViolation("plan_unknown")
        return plan

    async def new_order(self, signup_id: str, buyer_chat_id: int, plan_code: str) -> Order:
        self.plan(plan_code)
        signup = await self._flow.ready(signup_id, buyer_chat_id)
        return Order(
            purpose="new", plan_code=plan_code, signup_id=signup_id, email=signup.receipt_email
        )

    async def renewal_order(self, tenant_id: str, chat_id: int, plan_code: str) -> Order:
        self.plan(plan_code)
        tenant = await self.renewable(tenant_id, chat_id)
        return Order(
            purpose="renewal", plan_code=plan_code, tenant_id=tenant_id, email=tenant.receipt_email
        )

    def next_question(self, order: Order) -> Question | None:
        if self._receipts and not order.email:
            return "email"
        if self._autopayments and order.save_card is None:
            return "save_card"
        return None

    def with_email(self, order: Order, raw: str) -> Order:
        return msgspec.structs.replace(order, email=check_email(raw))

    async def pay(self, order: Order, chat_id: int) -> CheckoutView:
        plan = self.plan(order.plan_code)
        save = bool(order.save_card) and self._autopayments
        if order.purpose == "new":
            if order.signup_id is None:
                raise RuleViolation("signup_unknown")
            signup = await self._flow.ready(order.signup_id, chat_id)
            if order.email and order.email != signup.receipt_email:
                signup = await self._flow.set_email(order.signup_id, chat_id, order.email)
            return await self._checkout.start(
                plan=plan,
                purpose="new",
                buyer_chat_id=chat_id,
                signup_id=signup.signup_id,
                business_name=signup.business_name,
                receipt_email=signup.receipt_email,
                save_method=save,
            )
        if order.tenant_id is None:
            raise RuleViolation("tenant_unknown")
        tenant = await self.renewable(order.tenant_id, chat_id)
        return await self._checkout.start(
            plan=plan,
            purpose="renewal",
            buyer_chat_id=chat_id,
            tenant_id=tenant.tenant_id,
            business_name=tenant.business_name,
            receipt_email=order.email or tenant.receipt_email,
            save_method=save,
        )

    async def retry(self, payment_id: str, chat_id: int) -> Order:
        """The order behind a canceled payment, to pay again (a new attempt, a new key)."""
        payment = await self._ledger.get_payment(payment_id)
        if payment is None or payment.buyer_chat_id != chat_id:
            raise RuleViolation("payment_unknown")
        if payment.status != "canceled":
            raise RuleViolation("payment_not_canceled")
        if payment.signup_id:
            return await self.new_order(payment.signup_id, chat_id, payment.plan_code)
        if payment.tenant_id:
            return await self.renewal_order(payment.tenant_id, chat_id, payment.plan_code)
        raise RuleViolation("payment_unknown")

    async def renewable_tenants(self, chat_id: int) -> list[TenantRecord]:
        return await self._tenants.live_for(chat_id)

    async def renewable(self, tenant_id: str, chat_id: int) -> TenantRecord:
        """The tenant, if this chat bought or owns it and it is not deleted."""
        tenant = await self._tenants.get(tenant_id)
        if tenant is None or tenant.status == "deleted":
            raise RuleViolation("tenant_unknown")
        if chat_id not in (tenant.buyer_chat_id, tenant.owner_chat_id):
            raise RuleViolation("not_your_tenant")
        return tenant
