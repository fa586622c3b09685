"""YooKassa's JSON objects as the emulator answers them (and its client decodes them).

Fields that YooKassa leaves out when empty default to ``None`` and are omitted on the wire.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class Amount(msgspec.Struct, frozen=True, kw_only=True):
    value: str
    currency: str


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    gateway_id: str


class Confirmation(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str
    confirmation_url: str | None = None
    return_url: str | None = None


class Card(msgspec.Struct, frozen=True, kw_only=True):
    first6: str
    last4: str
    expiry_month: str
    expiry_year: str
    card_type: str
    issuer_country: str


class PaymentMethod(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str
    id: str
    saved: bool
    title: str | None = None
    card: Card | None = None


class CancellationDetails(msgspec.Struct, frozen=True, kw_only=True):
    party: str
    reason: str


class Payment(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The payment object; ``status`` is pending, waiting_for_capture, succeeded or canceled."""

    id: str
    status: str
    paid: bool
    amount: Amount
    created_at: str
    recipient: Recipient
    test: bool
    refundable: bool
    metadata: dict[str, str]
    income_amount: Amount | None = None
    description: str | None = None
    payment_method: PaymentMethod | None = None
    captured_at: str | None = None
    expires_at: str | None = None
    confirmation: Confirmation | None = None
    refunded_amount: Amount | None = None
    receipt_registration: str | None = None
    cancellation_details: CancellationDetails | None = None


class Refund(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: str
    payment_id: str
    status: str
    amount: Amount
    created_at: str
    description: str | None = None


class Notification(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """What YooKassa posts to the notification URL; ``object`` is a Payment or a Refund."""

    type: str
    event: str
    object: T


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str
    id: str
    code: str
    description: str
    parameter: str | None = None


class NotificationAttempt(msgspec.Struct, frozen=True, kw_only=True):
    """One delivery attempt; ``status_code`` is ``None`` when the connection failed."""

    event: str
    payment_id: str
    object_id: str
    attempt: int
    status_code: int | None
    error: str | None
    at: str


class PayResult(msgspec.Struct, frozen=True, kw_only=True):
    """The control API's answer to pay/cancel/notify: the payment and the first attempt's code."""

    payment: Payment
    notification_status: int | None


class NotifyRequest(msgspec.Struct, frozen=True, kw_only=True):
    event: str | None = None


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    payments: int


class ShopInfo(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v3/me``: the shop the credentials belong to (a cheap authenticated call)."""

    account_id: str
    test: bool
    fiscalization_enabled: bool
    payment_methods: list[str]
    status: str


class ShopIn(msgspec.Struct, frozen=True, kw_only=True):
    """The control API's new shop: its credentials and where its notifications go."""

    shop_id: str
    secret_key: str
    notification_url: str | None = None
