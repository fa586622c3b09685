"""What billing's logic needs: the YooKassa API, its own ledger and signups, the bus, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

import msgspec

from services.billing.adapters.yookassa_api import YooPayment, YooRefund

Purpose = Literal["new", "renewal"]


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """An event written in the transaction of the change it follows (the shared outbox)."""

    subject: str
    event: msgspec.Struct
    msg_id: str


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

    async def get_refund(self, refund_id: str) -> YooRefund | None: ...


RefundVerdict = Literal["recorded", "duplicate", "exceeds_payment", "not_paid", "conflicts"]


@dataclass(frozen=True, slots=True)
class RefundTotals:
    """What recording a refund did, and the payment's totals after it."""

    verdict: RefundVerdict
    paid_kopecks: int
    refunded_kopecks: int


class Ledger(Protocol):
    async def get_payment(self, payment_id: str) -> PaymentRecord | None: ...

    async def open_payment(
        self, *, signup_id: str | None, tenant_id: str | None, plan_code: str
    ) -> PaymentRecord | None: ...

    async def count_attempts(
        self, *, signup_id: str | None, tenant_id: str | None, plan_code: str
    ) -> int: ...

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
        outbox: OutboxEvent | None = None,
    ) -> bool:
        """Record once; `outbox` is written in the same transaction when this call records."""
        ...

    async def stale_pending(self, older_than: timedelta, *, limit: int) -> list[str]:
        """Ids of payments still `pending` in billing, created more than `older_than` ago."""
        ...

    async def record_refund(
        self, *, refund_id: str, payment_id: str, amount_kopecks: int, currency: str
    ) -> RefundTotals:
        """In one transaction, once per refund id: the ledger row and the payment's refunded
        total, unless the payment did not succeed, the total would exceed what was paid, or
        this refund was recorded before with another payment or amount."""
        ...

    async def get_signup(self, signup_id: str) -> SignupRecord | None: ...


class Events(Protocol):
    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who a BotFather token belongs to, as `getMe` says."""

    bot_id: int
    username: str


class BotTokens(Protocol):
    async def identify(self, token: str) -> BotIdentity | None:
        """The bot of a token, or None when Telegram refuses it (invalid or revoked).

        Raises `TransientError` when the Bot API cannot be reached."""
        ...


class TokenSealer(Protocol):
    def seal(self, value: str) -> str: ...


@dataclass(frozen=True, slots=True)
class TenantRecord:
    tenant_id: str
    signup_id: str | None
    buyer_chat_id: int
    owner_chat_id: int
    business_name: str
    bot_username: str
    paid_until: datetime
    status: str
    receipt_email: str | None = None


@dataclass(frozen=True, slots=True)
class SavedMethod:
    tenant_id: str
    payment_method_id: str
    plan_code: str


class Signups(Protocol):
    async def get(self, signup_id: str) -> SignupRecord | None: ...

    async def save(self, signup: SignupRecord) -> None: ...

    async def bot_taken(self, bot_id: int, *, except_signup: str) -> bool:
        """Whether another paid or trial signup (whose tenant is not deleted) uses this bot."""
        ...

    async def trial_of(self, buyer_chat_id: int) -> str | None:
        """The signup this buyer's one trial went to, if any."""
        ...

    async def start_trial(
        self, signup_id: str, buyer_chat_id: int, *, outbox: OutboxEvent | None = None
    ) -> bool:
        """In one transaction: claim the buyer's trial for this signup and mark it `trial`.

        True if the trial is (now or already) this signup's; False if another signup has it."""
        ...


class Tenants(Protocol):
    async def get(self, tenant_id: str) -> TenantRecord | None: ...

    async def live_for(self, chat_id: int) -> list[TenantRecord]:
        """Tenants not deleted whose buyer or owner is this chat."""
        ...

    async def provisioned(self, record: TenantRecord) -> None:
        """Store a new tenant, link its signup, carry over a card saved at its first payment."""
        ...

    async def update(
        self, tenant_id: str, *, status: str | None = None, paid_until: datetime | None = None
    ) -> None: ...

    async def saved_method(self, tenant_id: str) -> SavedMethod | None: ...
