"""An async client of the emulator's control API, for tests and demos."""

from __future__ import annotations

from types import TracebackType
from typing import Self, TypeVar

import httpx
import msgspec

from sandbox.yookassa.objects import (
    ErrorBody,
    NotificationAttempt,
    NotifyRequest,
    Payment,
    PayResult,
    ShopIn,
)

T = TypeVar("T")


class SandboxRequestError(Exception):
    """The emulator refused a control request; ``code`` and ``description`` as YooKassa's."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description


class YooKassaSandboxClient:
    """Acts as the buyer (pay, cancel) and inspects the emulator (payments, notifications)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def pay(self, payment_id: str) -> PayResult:
        """Pay as the buyer; the answer carries the first notification attempt's status."""
        return await self._call("POST", f"/sandbox/payments/{payment_id}/pay", PayResult)

    async def cancel(self, payment_id: str) -> PayResult:
        return await self._call("POST", f"/sandbox/payments/{payment_id}/cancel", PayResult)

    async def notify(self, payment_id: str, event: str | None = None) -> PayResult:
        """Deliver a notification about the payment's current state again."""
        body = msgspec.json.encode(NotifyRequest(event=event))
        path = f"/sandbox/payments/{payment_id}/notify"
        return await self._call("POST", path, PayResult, body)

    async def add_shop(
        self, shop_id: str, secret_key: str, notification_url: str | None = None
    ) -> None:
        """Open a shop of its own for a business (its key; where its notifications go)."""
        body = msgspec.json.encode(
            ShopIn(shop_id=shop_id, secret_key=secret_key, notification_url=notification_url)
        )
        await self._call("POST", "/sandbox/shops", dict, body)

    async def notifications(self) -> list[NotificationAttempt]:
        return await self._call("GET", "/sandbox/notifications", list[NotificationAttempt])

    async def payments(self) -> list[Payment]:
        return await self._call("GET", "/sandbox/payments", list[Payment])

    async def get_payment(self, payment_id: str) -> Payment | None:
        """The payment as the emulator holds it, or None when it does not exist."""
        for payment in await self.payments():
            if payment.id == payment_id:
                return payment
        return None

    async def _call(self, method: str, path: str, into: type[T], body: bytes = b"") -> T:
        headers = {"Content-Type": "application/json"} if body else None
        response = await self._http.request(method, path, content=body or None, headers=headers)
        if response.is_success:
            return msgspec.json.decode(response.content, type=into)
        try:
            error = msgspec.json.decode(response.content, type=ErrorBody)
        except msgspec.DecodeError:
            raise SandboxRequestError(response.status_code, "unknown", response.text) from None
        raise SandboxRequestError(response.status_code, error.code, error.description)
