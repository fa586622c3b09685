"""Billing's YooKassa adapter: the official (synchronous) SDK, run off the event loop.

The SDK keeps its credentials in process-global state (``yookassa.Configuration``), so the
adapter configures it once in its constructor: make one ``YooKassaApi`` per process. Every
call runs in a worker thread, and every HTTP request it makes has a connect and a read timeout
(``yookassa_sdk``; the SDK itself sets none): a YooKassa that does not answer gives
``YooKassaUnavailable`` naming the timeout, and the thread is free again. No SDK logger is
configured: it would log the Authorization header.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
import requests
from yookassa import Configuration  # type: ignore[import-untyped, unused-ignore]
from yookassa.domain.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    ApiError,
    NotFoundError,
)

from services.billing.adapters.yookassa_sdk import Timeouts, sdk_resources
from shared.errors import AppError, TransientError

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_API_URL = "https://api.yookassa.ru/v3"
SDK_CMS_NAME = "yookassa_sdk_python"
UNAVAILABLE_CODES = frozenset({0, 202, 429})


class YooKassaUnavailable(TransientError):
    """YooKassa could not be reached or failed (network, timeout, 5xx, 429): retry later."""


class YooKassaRejected(AppError):
    """YooKassa refused the request (4xx) with its error ``code`` and ``description``."""

    def __init__(
        self, status: int, code: str, description: str, parameter: str | None = None
    ) -> None:
        super().__init__(
            f"{status} {code}: {description}" + (f" ({parameter})" if parameter else "")
        )
        self.status = status
        self.code = code
        self.description = description
        self.parameter = parameter


class YooPayment(msgspec.Struct, frozen=True, kw_only=True):
    """A payment as billing needs it; the amount in integer kopecks."""

    id: str
    status: str
    paid: bool
    amount_kopecks: int
    currency: str
    metadata: dict[str, str]
    confirmation_url: str | None
    payment_method_id: str | None
    payment_method_saved: bool
    created_at: datetime


class YooRefund(msgspec.Struct, frozen=True, kw_only=True):
    """A refund as YooKassa reports it; the amount in integer kopecks."""

    id: str
    payment_id: str
    status: str
    amount_kopecks: int
    currency: str


class _Amount(msgspec.Struct, kw_only=True):
    value: str
    currency: str


class _Confirmation(msgspec.Struct, kw_only=True):
    confirmation_url: str | None = None


class _Method(msgspec.Struct, kw_only=True):
    id: str | None = None
    saved: bool = False


class _PaymentWire(msgspec.Struct, kw_only=True):
    id: str
    status: str
    paid: bool
    amount: _Amount
    created_at: str
    metadata: dict[str, str] = {}
    confirmation: _Confirmation | None = None
    payment_method: _Method | None = None


class _RefundWire(msgspec.Struct, kw_only=True):
    id: str
    payment_id: str
    status: str
    amount: _Amount


class YooKassaApi:
    """Creates and reads payments and refunds of one YooKassa shop."""

    def __init__(
        self,
        *,
        account_id: str,
        secret_key: str,
        api_url: str = DEFAULT_API_URL,
        timeouts: Timeouts | None = None,
    ) -> None:
        Configuration.configure(account_id, secret_key, api_url=api_url)
        self._timeouts = timeouts or Timeouts()
        self._payment, self._refund = sdk_resources(self._timeouts)
        logger.info("YooKassa API configured for shop %s at %s", account_id, api_url)

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
    ) -> YooPayment:
        """Create a captured-on-payment RUB payment; a saved ``payment_method_id`` charges it
        without confirmation. The same ``idempotence_key`` returns the same payment."""
        params: dict[str, object] = {
            "amount": {"value": kopecks_to_value(amount_kopecks), "currency": "RUB"},
            "capture": True,
            "description": description,
            "metadata": dict(metadata),
        }
        if payment_method_id is not None:
            params["payment_method_id"] = payment_method_id
        else:
            params["confirmation"] = {"type": "redirect", "return_url": return_url}
        if save_payment_method:
            params["save_payment_method"] = True
        if receipt is not None:
            params["receipt"] = receipt
        response = await self._call(self._payment.create, params, idempotence_key)
        return _to_payment(response)

    async def get_payment(self, payment_id: str) -> YooPayment | None:
        """The payment fetched back by id, or None when YooKassa does not know it."""
        try:
            response = await self._call(self._payment.find_one, payment_id)
        except YooKassaRejected as exc:
            if exc.status == NotFoundError.HTTP_CODE:
                return None
            raise
        return _to_payment(response)

    async def create_refund(
        self, *, payment_id: str, amount_kopecks: int, idempotence_key: str
    ) -> str:
        """Refund ``amount_kopecks`` of a succeeded payment; returns the refund id."""
        params = {
            "payment_id": payment_id,
            "amount": {"value": kopecks_to_value(amount_kopecks), "currency": "RUB"},
        }
        response = await self._call(self._refund.create, params, idempotence_key)
        return str(response.id)

    async def get_refund(self, refund_id: str) -> YooRefund | None:
        """The refund fetched back by id, or None when YooKassa does not know it."""
        try:
            response = await self._call(self._refund.find_one, refund_id)
        except YooKassaRejected as exc:
            if exc.status == NotFoundError.HTTP_CODE:
                return None
            raise
        wire = msgspec.convert(dict(response), _RefundWire)
        return YooRefund(
            id=wire.id,
            payment_id=wire.payment_id,
            status=wire.status,
            amount_kopecks=value_to_kopecks(wire.amount.value),
            currency=wire.amount.currency,
        )

    async def _call(self, func: Callable[..., T], *args: object) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(func, *args), self._timeouts.worst_case)
        except ApiError as exc:
            raise _translate(exc) from exc
        except AttributeError as exc:
            # The SDK handles a connection error by reading ``.response.status_code`` of it,
            # which is None: the original error is the context of this AttributeError.
            if isinstance(exc.__context__, OSError):
                raise self._unavailable(exc.__context__) from exc.__context__
            raise
        except (OSError, TimeoutError) as exc:  # requests' errors are OSErrors
            raise self._unavailable(exc) from exc
        except (ValueError, TypeError) as exc:  # the SDK's own validation of the request
            raise YooKassaRejected(400, "invalid_request", str(exc)) from exc

    def _unavailable(self, exc: BaseException) -> YooKassaUnavailable:
        if isinstance(exc, requests.ConnectTimeout):
            return YooKassaUnavailable(
                f"YooKassa did not accept the connection within {self._timeouts.connect:g} s"
            )
        if isinstance(exc, requests.Timeout):
            return YooKassaUnavailable(
                f"YooKassa did not answer within {self._timeouts.read:g} s (read timeout)"
            )
        if isinstance(exc, TimeoutError):
            return YooKassaUnavailable(
                f"YooKassa did not answer within {self._timeouts.worst_case:g} s"
            )
        return YooKassaUnavailable(f"YooKassa is unreachable: {type(exc).__name__}")


def kopecks_to_value(kopecks: int) -> str:
    """``29900`` → ``"299.00"``."""
    if kopecks <= 0:
        raise ValueError("the amount must be positive")
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def value_to_kopecks(value: str) -> int:
    """``"299.00"`` → ``29900``."""
    return int((Decimal(value) * 100).to_integral_exact())


def _translate(exc: Any) -> YooKassaUnavailable | YooKassaRejected:
    status = int(exc.HTTP_CODE)
    content = exc.content if isinstance(exc.content, dict) else {}
    code = str(content.get("code") or "unknown")
    description = str(content.get("description") or type(exc).__name__)
    if status in UNAVAILABLE_CODES or status >= 500:
        return YooKassaUnavailable(f"YooKassa answered {status or 'an unexpected code'}: {code}")
    parameter = content.get("parameter")
    return YooKassaRejected(status, code, description, str(parameter) if parameter else None)


def _to_payment(response: Any) -> YooPayment:
    wire = msgspec.convert(dict(response), _PaymentWire)
    metadata = dict(wire.metadata)
    if metadata.get("cms_name") == SDK_CMS_NAME:
        del metadata["cms_name"]  # the SDK adds it to every payment it creates
    method = wire.payment_method
    return YooPayment(
        id=wire.id,
        status=wire.status,
        paid=wire.paid,
        amount_kopecks=value_to_kopecks(wire.amount.value),
        currency=wire.amount.currency,
        metadata=metadata,
        confirmation_url=wire.confirmation.confirmation_url if wire.confirmation else None,
        payment_method_id=method.id if method else None,
        payment_method_saved=bool(method and method.saved),
        created_at=datetime.fromisoformat(wire.created_at),
    )
