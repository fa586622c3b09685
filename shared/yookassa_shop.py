"""A business's own YooKassa shop, over plain HTTP (httpx), its credentials given per call.

The official SDK keeps one shop's credentials in process-global state, so it cannot serve
thousands of shops at once; this client sends HTTP Basic `shop_id:secret_key` with each request
instead. It never logs a request (the Authorization header) nor the key. Booking uses `me`
to check credentials when the owner saves them; billing creates and reads payments and
refunds with them. Every call has a connect and a read timeout.

Errors: `ShopRejected` (4xx: 401 = wrong credentials, 404 = unknown object) and
`ShopUnavailable` (network, timeout, 5xx, 429: retry later).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import httpx
import msgspec

from shared.errors import AppError, TransientError

DEFAULT_API_URL = "https://api.yookassa.ru/v3"


class ShopUnavailable(TransientError):
    """The shop's YooKassa could not be reached or failed: retry later."""


class ShopRejected(AppError):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"YooKassa answered {status} {code}")
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class ShopCredentials:
    shop_id: str
    secret_key: str

    def __repr__(self) -> str:  # never the key
        return f"ShopCredentials(shop_id={self.shop_id!r})"


class ShopPayment(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: str
    amount_kopecks: int
    currency: str
    metadata: dict[str, str]
    confirmation_url: str | None
    account_id: str | None


class ShopRefund(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    payment_id: str
    status: str
    amount_kopecks: int
    currency: str


class _Amount(msgspec.Struct):
    value: str
    currency: str


class _Confirmation(msgspec.Struct):
    confirmation_url: str | None = None


class _Recipient(msgspec.Struct):
    account_id: str | None = None


class _PaymentWire(msgspec.Struct):
    id: str
    status: str
    amount: _Amount
    metadata: dict[str, str] = {}
    confirmation: _Confirmation | None = None
    recipient: _Recipient | None = None


class _RefundWire(msgspec.Struct):
    id: str
    payment_id: str
    status: str
    amount: _Amount


class _Error(msgspec.Struct):
    code: str = "unknown"


class _Me(msgspec.Struct):
    account_id: str


def to_value(kopecks: int) -> str:
    if kopecks <= 0:
        raise ValueError("the amount must be positive")
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def to_kopecks(value: str) -> int:
    return int((Decimal(value) * 100).to_integral_exact())


class ShopApi:
    """Calls YooKassa for any shop; one instance (one connection pool) per process."""

    def __init__(
        self, api_url: str = DEFAULT_API_URL, *, connect: float = 5.0, read: float = 20.0
    ) -> None:
        self._base = api_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(read, connect=connect))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def me(self, shop: ShopCredentials) -> str:
        """The shop's account id, if the credentials are accepted (`ShopRejected` 401 if not)."""
        return msgspec.json.decode(await self._request(shop, "GET", "/me"), type=_Me).account_id

    async def create_payment(
        self,
        shop: ShopCredentials,
        *,
        amount_kopecks: int,
        description: str,
        return_url: str,
        metadata: dict[str, str],
        idempotence_key: str,
    ) -> ShopPayment:
        body = {
            "amount": {"value": to_value(amount_kopecks), "currency": "RUB"},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url},
            "description": description[:128],
            "metadata": metadata,
        }
        raw = await self._request(shop, "POST", "/payments", body, idempotence_key)
        return _payment(raw)

    async def get_payment(self, shop: ShopCredentials, payment_id: str) -> ShopPayment | None:
        if not is_object_id(payment_id):
            return None
        try:
            return _payment(await self._request(shop, "GET", f"/payments/{payment_id}"))
        except ShopRejected as error:
            if error.status == 404:
                return None
            raise

    async def create_refund(
        self, shop: ShopCredentials, *, payment_id: str, amount_kopecks: int, idempotence_key: str
    ) -> ShopRefund:
        body = {
            "payment_id": payment_id,
            "amount": {"value": to_value(amount_kopecks), "currency": "RUB"},
        }
        return _refund(await self._request(shop, "POST", "/refunds", body, idempotence_key))

    async def get_refund(self, shop: ShopCredentials, refund_id: str) -> ShopRefund | None:
        if not is_object_id(refund_id):
            return None
        try:
            return _refund(await self._request(shop, "GET", f"/refunds/{refund_id}"))
        except ShopRejected as error:
            if error.status == 404:
                return None
            raise

    async def _request(
        self,
        shop: ShopCredentials,
        method: str,
        path: str,
        body: object | None = None,
        idempotence_key: str | None = None,
    ) -> bytes:
        headers = {"Idempotence-Key": idempotence_key} if idempotence_key else {}
        try:
            response = await self._http.request(
                method,
                f"{self._base}{path}",
                auth=(shop.shop_id, shop.secret_key),
                content=msgspec.json.encode(body) if body is not None else None,
                headers={"Content-Type": "application/json", **headers},
            )
        except httpx.TimeoutException as error:
            raise ShopUnavailable(
                f"YooKassa did not answer in time: {type(error).__name__}"
            ) from None
        except httpx.HTTPError as error:
            raise ShopUnavailable(f"YooKassa is unreachable: {type(error).__name__}") from None
        status = response.status_code
        if status == 200:
            return response.content
        if status >= 500 or status in (202, 429):
            raise ShopUnavailable(f"YooKassa answered {status}")
        try:
            code = msgspec.json.decode(response.content, type=_Error).code
        except (msgspec.DecodeError, msgspec.ValidationError):
            code = "unknown"
        raise ShopRejected(status, code)


def _payment(raw: bytes) -> ShopPayment:
    wire = msgspec.json.decode(raw, type=_PaymentWire)
    return ShopPayment(
        id=wire.id,
        status=wire.status,
        amount_kopecks=to_kopecks(wire.amount.value),
        currency=wire.amount.currency,
        metadata=dict(wire.metadata),
        confirmation_url=wire.confirmation.confirmation_url if wire.confirmation else None,
        account_id=wire.recipient.account_id if wire.recipient else None,
    )


def _refund(raw: bytes) -> ShopRefund:
    wire = msgspec.json.decode(raw, type=_RefundWire)
    return ShopRefund(
        id=wire.id,
        payment_id=wire.payment_id,
        status=wire.status,
        amount_kopecks=to_kopecks(wire.amount.value),
        currency=wire.amount.currency,
    )


def is_object_id(value: str) -> bool:
    """A YooKassa id as it may go into a URL path (letters, digits, dashes; at most 64)."""
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)
