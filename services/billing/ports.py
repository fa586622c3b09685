"""What billing's logic needs: the YooKassa API, its own ledger and signups, the bus, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import msgspec

from services.billing.adapters.yookassa_api import YooPayment

Purpose = Literal["new", "renewal"]


@dataclass(frozen=True, slots=True)
class SignupRecord:
    signup_id: str
    buyer_chat_id: int
    business_name: str
    city: str
    timezone: str
    owner_chat_id: int
    bot_id: int | None
    bot_username: str | None
    bot_token_sealed: str | None
    receipt_email: str | None
    tenant_id: str | None
    status: str


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    payment_id: str
    idempotence_key: str
    signup_id: str | None
    tenant_id: str | None
    purpose: Purpose
    plan_code: str
    period_days: int
    amount_kopecks: int
    currency: str
    buyer_chat_id: int
    status: str
    confirmation_url: str | None
    created_at: datetime


class PaymentsApi(Protocol):
    async def create_payment(
        self,
        *,
        amount_kopecks: int,
        description: str,
        return_url: str,
        metadata: dict[str, str],
        idempotence_key: str,
        receipt: dict[str, object] | None = None,
        save_payment_method: bool = False,
        payment_method_id: str | None = None,
    ) -> YooPayment: ...

    async def get_payment(self, payment_id: str) -> YooPayment | None: ...


class Ledger(Protocol):
    async def get_payment(self, payment_id: str) -> PaymentRecord | None: ...

    async def open_payment(
        self, *, signup_id: str | None, tenant_id: str | None, plan_code: str
    ) -> PaymentRecord | None: ...

    async def count_attempts(self, *, signup_id: str | None, tenant_id: str | None, plan_code: str) -> int: ...

    async def insert_payment(self, record: PaymentRecord) -> PaymentRecord: ...

    async def record_event(
        self,
        *,
        payment_id: str,
        event: str,
        object_id: str,
        amount_kopecks: int,
        currency: str,
        new_status: str,
        payment_method_id: str | None,
    ) -> bool: ...

    async def get_signup(self, signup_id: str) -> SignupRecord | None: ...


class Events(Protocol):
    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None: ...
