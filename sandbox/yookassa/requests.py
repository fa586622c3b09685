"""Request bodies of the emulated API, decoded strictly and checked as YooKassa checks them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TypeVar

import msgspec

from sandbox.yookassa.errors import YooKassaError, invalid_request

T = TypeVar("T")

_AMOUNT = re.compile(r"^\d{1,15}\.\d{2}$")
_PATH = re.compile(r"^(?P<msg>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING = re.compile(r"missing required field `(?P<field>[^`]+)`")
DESCRIPTION_MAX = 128
METADATA_MAX_KEYS = 16
METADATA_KEY_MAX = 32
METADATA_VALUE_MAX = 512
VAT_CODES = range(1, 13)


class AmountIn(msgspec.Struct, frozen=True, kw_only=True):
    value: str
    currency: str


class ConfirmationIn(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    return_url: str | None = None
    locale: str | None = None


class CustomerIn(msgspec.Struct, frozen=True, kw_only=True):
    email: str | None = None
    phone: str | None = None
    full_name: str | None = None
    inn: str | None = None


class ReceiptItemIn(msgspec.Struct, frozen=True, kw_only=True):
    description: str
    quantity: str | int | float
    amount: AmountIn
    vat_code: int
    payment_subject: str | None = None
    payment_mode: str | None = None


class ReceiptIn(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReceiptItemIn]
    customer: CustomerIn | None = None
    tax_system_code: int | None = None


class CreatePaymentIn(msgspec.Struct, frozen=True, kw_only=True):
    amount: AmountIn
    description: str | None = None
    confirmation: ConfirmationIn | None = None
    capture: bool | None = None
    metadata: dict[str, str] | None = None
    receipt: ReceiptIn | None = None
    save_payment_method: bool | None = None
    payment_method_id: str | None = None


class CaptureIn(msgspec.Struct, frozen=True, kw_only=True):
    amount: AmountIn | None = None


class RefundIn(msgspec.Struct, frozen=True, kw_only=True):
    payment_id: str
    amount: AmountIn
    description: str | None = None


def decode(body: bytes, into: type[T]) -> T:
    """Decode ``body`` into ``into``, or raise a YooKassa ``invalid_request`` naming the field."""
    try:
        return msgspec.json.decode(body or b"{}", type=into)
    except msgspec.ValidationError as exc:
        match = _PATH.match(str(exc))
        message = match.group("msg") if match else str(exc)
        path = match.group("path") if match and match.group("path") else None
        path = path.replace("[...]", "") if path else None
        missing = _MISSING.search(message)
        if missing:
            path = f"{path}.{missing.group('field')}" if path else missing.group("field")
        raise invalid_request(f"Invalid request body: {message}", path) from exc
    except msgspec.DecodeError as exc:
        raise invalid_request("Request body is not valid JSON") from exc


def fingerprint(body: bytes) -> bytes:
    """A canonical form of a JSON body, to tell a retried request from a different one."""
    try:
        return msgspec.json.encode(msgspec.json.decode(body or b"{}"), order="sorted")
    except msgspec.DecodeError as exc:
        raise invalid_request("Request body is not valid JSON") from exc


def money(amount: AmountIn, parameter: str) -> Decimal:
    """The value of a RUB amount given as a string with two decimals, e.g. ``"299.00"``."""
    if amount.currency != "RUB":
        raise invalid_request(
            f"Currency {amount.currency!r} is not supported by the shop", f"{parameter}.currency"
        )
    if not _AMOUNT.match(amount.value) or Decimal(amount.value) <= 0:
        raise invalid_request(
            "Amount value must be a positive decimal string with two digits after the point",
            f"{parameter}.value",
        )
    return Decimal(amount.value)


def check_payment(request: CreatePaymentIn) -> Decimal:
    """Validate a create-payment request the way YooKassa does; returns the amount."""
    value = money(request.amount, "amount")
    if request.description is not None and len(request.description) > DESCRIPTION_MAX:
        raise invalid_request("Description is longer than 128 characters", "description")
    _check_metadata(request.metadata or {})
    if request.payment_method_id is None:
        confirmation = request.confirmation
        if confirmation is None:
            raise invalid_request("Confirmation is required", "confirmation")
        if confirmation.type != "redirect":
            raise invalid_request(
                "Only the redirect confirmation is supported", "confirmation.type"
            )
        if not (confirmation.return_url or "").startswith(("http://", "https://")):
            raise invalid_request("return_url must be an http(s) URL", "confirmation.return_url")
    if request.receipt is not None:
        _check_receipt(request.receipt, value)
    return value


def _check_metadata(metadata: dict[str, str]) -> None:
    if len(metadata) > METADATA_MAX_KEYS:
        raise invalid_request("Metadata has more than 16 keys", "metadata")
    for key, item in metadata.items():
        if len(key) > METADATA_KEY_MAX or len(item) > METADATA_VALUE_MAX:
            raise invalid_request(f"Metadata key or value is too long: {key!r}", "metadata")


def _check_receipt(receipt: ReceiptIn, total: Decimal) -> None:
    customer = receipt.customer
    if customer is None or not (customer.email or customer.phone):
        raise invalid_request("Receipt customer needs an email or a phone", "receipt.customer")
    if not receipt.items:
        raise invalid_request("Receipt has no items", "receipt.items")
    items_sum = Decimal(0)
    for index, item in enumerate(receipt.items):
        where = f"receipt.items[{index}]"
        if not item.description or len(item.description) > DESCRIPTION_MAX:
            raise invalid_request("Item description is empty or too long", f"{where}.description")
        if receipt.tax_system_code is None and item.vat_code not in VAT_CODES:
            raise invalid_request("Unknown vat_code", f"{where}.vat_code")
        quantity = _quantity(item.quantity, f"{where}.quantity")
        items_sum += quantity * money(item.amount, f"{where}.amount")
    if items_sum.quantize(Decimal("0.01")) != total:
        raise YooKassaError(
            400,
            "invalid_request",
            f"The sum of the receipt items ({items_sum:.2f}) is not equal to the payment "
            f"amount ({total:.2f})",
            "receipt",
        )


def _quantity(raw: str | int | float, parameter: str) -> Decimal:
    try:
        quantity = Decimal(str(raw))
    except InvalidOperation as exc:
        raise invalid_request("Item quantity is not a number", parameter) from exc
    if quantity <= 0:
        raise invalid_request("Item quantity must be positive", parameter)
    return quantity
