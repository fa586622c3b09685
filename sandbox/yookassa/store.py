"""The emulator's in-memory state and YooKassa's payment state machine (no I/O)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import msgspec

from sandbox.yookassa.config import YooKassaSandboxConfig
from sandbox.yookassa.errors import invalid_request, not_found
from sandbox.yookassa.objects import (
    Amount,
    CancellationDetails,
    Card,
    Confirmation,
    Payment,
    PaymentMethod,
    Recipient,
    Refund,
)
from sandbox.yookassa.requests import CreatePaymentIn

CENT = Decimal("0.01")
TEST_CARD = Card(
    first6="555555",
    last4="4444",
    expiry_month="12",
    expiry_year="2030",
    card_type="MasterCard",
    issuer_country="RU",
)


def new_id(kind: str = "000f") -> str:
    """A 36-character id shaped like YooKassa's (time prefix, fixed middle, random tail)."""
    return f"{int(time.time()) & 0xFFFFFFFF:08x}-{kind}-5000-{secrets.choice('89ab')}000-" + (
        secrets.token_hex(6)
    )


def iso_now(shift: timedelta = timedelta(0)) -> str:
    """Now in UTC, ISO 8601 with milliseconds and ``Z`` as YooKassa writes it."""
    moment = datetime.now(UTC) + shift
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def rub(value: Decimal) -> Amount:
    return Amount(value=f"{value.quantize(CENT):.2f}", currency="RUB")


@dataclass(slots=True)
class PaymentRecord:
    """A payment and what the emulator remembers about how it was asked for."""

    shop_id: str
    capture: bool
    save_method: bool
    return_url: str | None
    payment: Payment
    refunded: Decimal = Decimal(0)
    refund_ids: list[str] = field(default_factory=list)

    @property
    def value(self) -> Decimal:
        return Decimal(self.payment.amount.value)

    def update(self, **changes: object) -> Payment:
        self.payment = msgspec.structs.replace(self.payment, **changes)
        return self.payment


class Store:
    """Payments, refunds, saved payment methods and idempotence keys of every shop."""

    def __init__(self, config: YooKassaSandboxConfig) -> None:
        self._config = config
        self.payments: dict[str, PaymentRecord] = {}
        self.saved_methods: dict[str, tuple[str, PaymentMethod]] = {}
        self.refunds: dict[str, tuple[str, Refund]] = {}
        self._keys: dict[tuple[str, str, str], tuple[bytes, str]] = {}

    def replayed(self, shop_id: str, scope: str, key: str, body: bytes) -> str | None:
        """The id made earlier under this Idempotence-Key, or None; a different body is an error."""
        seen = self._keys.get((shop_id, scope, key))
        if seen is None:
            return None
        if seen[0] != body:
            raise invalid_request(
                "Idempotence key duplicated: the same key was used with different parameters",
                "Idempotence-Key",
            )
        return seen[1]

    def remember(self, shop_id: str, scope: str, key: str, body: bytes, object_id: str) -> None:
        self._keys[shop_id, scope, key] = (body, object_id)

    def get(self, shop_id: str | None, payment_id: str) -> PaymentRecord:
        record = self.payments.get(payment_id)
        if record is None or (shop_id is not None and record.shop_id != shop_id):
            raise not_found(
                "Incorrect payment_id. Payment doesn't exist or access denied.", "payment_id"
            )
        return record

    def create(self, shop_id: str, request: CreatePaymentIn, value: Decimal) -> PaymentRecord:
        payment_id = new_id()
        saved = self._saved_method(shop_id, request.payment_method_id)
        confirmation = None
        if saved is None and request.confirmation is not None:
            confirmation = Confirmation(
                type="redirect",
                confirmation_url=f"{self._config.base_url}/checkout/{payment_id}",
                return_url=request.confirmation.return_url,
            )
        payment = Payment(
            id=payment_id,
            status="pending",
            paid=False,
            amount=rub(value),
            created_at=iso_now(),
            recipient=Recipient(account_id=shop_id, gateway_id=self._config.gateway_id),
            test=True,
            refundable=False,
            metadata=dict(request.metadata or {}),
            description=request.description,
            confirmation=confirmation,
            receipt_registration="pending" if request.receipt is not None else None,
        )
        capture = self._config.default_capture if request.capture is None else request.capture
        record = PaymentRecord(
            shop_id=shop_id,
            capture=capture,
            save_method=bool(request.save_payment_method),
            return_url=confirmation.return_url if confirmation else None,
            payment=payment,
        )
        self.payments[payment_id] = record
        if saved is not None:
            self.authorize(record, saved)
        return record

    def _saved_method(self, shop_id: str, method_id: str | None) -> PaymentMethod | None:
        if method_id is None:
            return None
        found = self.saved_methods.get(method_id)
        if found is None or found[0] != shop_id:
            raise invalid_request(
                "Payment method with this id is not saved or not found", "payment_method_id"
            )
        return found[1]

    def authorize(self, record: PaymentRecord, method: PaymentMethod | None = None) -> str:
        """The buyer paid: succeeded (capture) or waiting_for_capture; returns the event."""
        if record.payment.status != "pending":
            raise invalid_request(f"Payment is {record.payment.status}, not pending", "payment_id")
        if method is None:
            method = PaymentMethod(
                type="bank_card",
                id=new_id("0019"),
                saved=record.save_method,
                title=f"Bank card *{TEST_CARD.last4}",
                card=TEST_CARD,
            )
            if record.save_method:
                self.saved_methods[method.id] = (record.shop_id, method)
        record.update(paid=True, payment_method=method)
        if record.capture:
            return self.capture(record, None)
        record.update(status="waiting_for_capture", expires_at=iso_now(timedelta(days=7)))
        return "payment.waiting_for_capture"

    def capture(self, record: PaymentRecord, value: Decimal | None) -> str:
        status = record.payment.status
        if status == "succeeded" and value is None:
            return "payment.succeeded"
        if status not in {"pending", "waiting_for_capture"} or not record.payment.paid:
            raise invalid_request(f"Payment is {status}, it can't be captured", "payment_id")
        if value is not None and value > record.value:
            raise invalid_request("Capture amount exceeds the payment amount", "amount.value")
        value = record.value if value is None else value
        rate = Decimal(1) - Decimal(self._config.commission_percent) / 100
        has_receipt = record.payment.receipt_registration is not None
        record.update(
            status="succeeded",
            amount=rub(value),
            income_amount=rub((value * rate).quantize(CENT, rounding=ROUND_HALF_UP)),
            captured_at=iso_now(),
            expires_at=None,
            refundable=True,
            receipt_registration="succeeded" if has_receipt else None,
        )
        return "payment.succeeded"

    def cancel(self, record: PaymentRecord, party: str, reason: str) -> str:
        status = record.payment.status
        if status == "canceled":
            return "payment.canceled"
        if status not in {"pending", "waiting_for_capture"}:
            raise invalid_request(f"Payment is {status}, it can't be canceled", "payment_id")
        record.update(
            status="canceled",
            paid=False,
            expires_at=None,
            cancellation_details=CancellationDetails(party=party, reason=reason),
            receipt_registration=None,
        )
        return "payment.canceled"

    def refund(self, record: PaymentRecord, value: Decimal, description: str | None) -> Refund:
        """Return ``value`` of a succeeded payment at once (refunds succeed in the sandbox)."""
        if record.payment.status != "succeeded":
            raise invalid_request("Only a succeeded payment can be refunded", "payment_id")
        if value > record.value - record.refunded:
            raise invalid_request("Refund amount exceeds the amount left to refund", "amount.value")
        refund = Refund(
            id=new_id("0015"),
            payment_id=record.payment.id,
            status="succeeded",
            amount=rub(value),
            created_at=iso_now(),
            description=description,
        )
        record.refunded += value
        record.refund_ids.append(refund.id)
        record.update(
            refunded_amount=rub(record.refunded), refundable=record.refunded < record.value
        )
        self.refunds[refund.id] = (record.shop_id, refund)
        return refund

    def get_refund(self, shop_id: str, refund_id: str) -> Refund:
        found = self.refunds.get(refund_id)
        if found is None or found[0] != shop_id:
            raise not_found(
                "Incorrect refund_id. Refund doesn't exist or access denied.", "refund_id"
            )
        return found[1]
