"""The control API for tests and demos under ``/sandbox``: act as the buyer, inspect state."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from sandbox.yookassa.deps import Sandbox
from sandbox.yookassa.objects import (
    Health,
    NotificationAttempt,
    NotifyRequest,
    Payment,
    PayResult,
    ShopIn,
)
from sandbox.yookassa.requests import decode


class ControlController(Controller):
    path = "/sandbox"

    @post("/payments/{payment_id:str}/pay", status_code=200)
    async def pay(self, sandbox: Sandbox, payment_id: FromPath[str]) -> PayResult:
        """The buyer pays; the first notification attempt is made before this answers."""
        return await sandbox.pay(payment_id)

    @post("/payments/{payment_id:str}/cancel", status_code=200)
    async def cancel(self, sandbox: Sandbox, payment_id: FromPath[str]) -> PayResult:
        """The buyer gives up; the payment is canceled as expired on confirmation."""
        return await sandbox.decline(payment_id)

    @post("/payments/{payment_id:str}/notify", status_code=200)
    async def notify(
        self, request: Request[Any, Any, Any], sandbox: Sandbox, payment_id: FromPath[str]
    ) -> PayResult:
        """Send a notification for the payment's current state again (tests send duplicates)."""
        body = decode(await request.body(), NotifyRequest)
        return await sandbox.renotify(payment_id, body.event)

    @post("/shops", status_code=200)
    async def add_shop(self, request: Request[Any, Any, Any], sandbox: Sandbox) -> Health:
        """Open a shop (or change its key or notification URL): a business's own YooKassa."""
        body = decode(await request.body(), ShopIn)
        sandbox.add_shop(body.shop_id, body.secret_key, body.notification_url)
        return Health(status="ok", payments=len(sandbox.store.payments))

    @get("/payments")
    async def payments(self, sandbox: Sandbox) -> list[Payment]:
        return sandbox.payments()

    @get("/notifications")
    async def notifications(self, sandbox: Sandbox) -> list[NotificationAttempt]:
        """Every delivery attempt, oldest first."""
        return sandbox.notifications()

    @get("/healthz")
    async def healthz(self, sandbox: Sandbox) -> Health:
        return Health(status="ok", payments=len(sandbox.store.payments))
