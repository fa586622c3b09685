"""The emulated YooKassa API under ``/v3``: payments and refunds, one shop per request."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import FromPath

from sandbox.yookassa.deps import IdempotenceKey, Sandbox, ShopId, authenticate, required_key
from sandbox.yookassa.objects import Payment, Refund, ShopInfo


class YooKassaApiController(Controller):
    """The shop (``/me``), payments (create, get, capture, cancel) and refunds (create, get)."""

    path = "/v3"
    dependencies = {"shop_id": Provide(authenticate, sync_to_thread=False)}  # noqa: RUF012

    @get("/me")
    async def me(self, shop_id: ShopId) -> ShopInfo:
        return ShopInfo(
            account_id=shop_id,
            test=True,
            fiscalization_enabled=False,
            payment_methods=["bank_card"],
            status="enabled",
        )

    @post("/payments", status_code=200)
    async def create_payment(
        self,
        request: Request[Any, Any, Any],
        sandbox: Sandbox,
        shop_id: ShopId,
        idempotence_key: IdempotenceKey = None,
    ) -> Payment:
        key = required_key(idempotence_key)
        return sandbox.create_payment(shop_id, key, await request.body())

    @get("/payments/{payment_id:str}")
    async def get_payment(
        self, sandbox: Sandbox, shop_id: ShopId, payment_id: FromPath[str]
    ) -> Payment:
        return sandbox.get_payment(shop_id, payment_id)

    @post("/payments/{payment_id:str}/capture", status_code=200)
    async def capture_payment(
        self,
        request: Request[Any, Any, Any],
        sandbox: Sandbox,
        shop_id: ShopId,
        payment_id: FromPath[str],
        idempotence_key: IdempotenceKey = None,
    ) -> Payment:
        required_key(idempotence_key)
        return sandbox.capture(shop_id, payment_id, await request.body())

    @post("/payments/{payment_id:str}/cancel", status_code=200)
    async def cancel_payment(
        self,
        sandbox: Sandbox,
        shop_id: ShopId,
        payment_id: FromPath[str],
        idempotence_key: IdempotenceKey = None,
    ) -> Payment:
        required_key(idempotence_key)
        return sandbox.cancel(shop_id, payment_id)

    @post("/refunds", status_code=200)
    async def create_refund(
        self,
        request: Request[Any, Any, Any],
        sandbox: Sandbox,
        shop_id: ShopId,
        idempotence_key: IdempotenceKey = None,
    ) -> Refund:
        key = required_key(idempotence_key)
        return sandbox.create_refund(shop_id, key, await request.body())

    @get("/refunds/{refund_id:str}")
    async def get_refund(
        self, sandbox: Sandbox, shop_id: ShopId, refund_id: FromPath[str]
    ) -> Refund:
        return sandbox.get_refund(shop_id, refund_id)
