"""`POST /webhooks/yookassa`: 200 only once recorded; 403 for a forgery; 503 to be retried.

The client address is the TCP peer (uvicorn's own proxy-header handling is off, see
`shared.runner`) and every `X-Forwarded-For` line, judged by `NotificationSource`."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, Router, post
from litestar.exceptions import HTTPException

from services.billing.adapters.yookassa_api import YooKassaUnavailable
from services.billing.use_cases import ForgedNotification, RecordNotification
from services.billing.use_cases.prepay_notes import RecordShopNotification
from shared.errors import InvalidTenantId, TransientError
from shared.metrics import Metrics
from shared.subjects import check_tenant_id

log = logging.getLogger(__name__)

MAX_NOTIFICATION_BYTES = 256 * 1024


def yookassa_router(record: RecordNotification, metrics: Metrics) -> Router:
    @post("/webhooks/yookassa", status_code=200, request_max_body_size=MAX_NOTIFICATION_BYTES)
    async def yookassa_webhook(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
        body = await request.body()
        peer = request.client.host if request.client else ""
        try:
            outcome = await record(
                peer=peer, forwarded_for=request.headers.getall("x-forwarded-for", []), body=body
            )
        except ForgedNotification as error:
            log.warning("%s (payment %s)", error, error.payment_id or "-")
            metrics.http_requests.labels("yookassa", "403").inc()
            raise HTTPException(status_code=403, detail="forbidden") from None
        except (TransientError, YooKassaUnavailable) as error:
            log.warning("notification not recorded, YooKassa will retry: %s", error)
            metrics.http_requests.labels("yookassa", "503").inc()
            raise HTTPException(status_code=503, detail="try again") from None
        metrics.http_requests.labels("yookassa", "200").inc()
        metrics.events.labels(f"notification_{outcome}").inc()
        return Response({"status": outcome}, status_code=200)

    return Router(path="/", route_handlers=[yookassa_webhook])


def shop_router(record: RecordShopNotification, metrics: Metrics) -> Router:
    """`POST /webhooks/yookassa/t/{tenant}`: a business's own shop's notifications (the URL the
    owner sets in that shop's YooKassa dashboard); the same answers as the platform's."""

    @post(
        "/webhooks/yookassa/t/{tenant:str}",
        status_code=200,
        request_max_body_size=MAX_NOTIFICATION_BYTES,
    )
    async def shop_webhook(
        request: Request[Any, Any, Any], tenant: str
    ) -> Response[dict[str, str]]:
        try:
            tenant_id = check_tenant_id(tenant)
        except InvalidTenantId:
            raise HTTPException(status_code=404, detail="not found") from None
        body = await request.body()
        peer = request.client.host if request.client else ""
        try:
            outcome = await record(
                tenant_id=tenant_id,
                peer=peer,
                forwarded_for=request.headers.getall("x-forwarded-for", []),
                body=body,
            )
        except ForgedNotification as error:
            log.warning("%s (tenant %s, payment %s)", error, tenant_id, error.payment_id or "-")
            metrics.http_requests.labels("yookassa_shop", "403").inc()
            raise HTTPException(status_code=403, detail="forbidden") from None
        except TransientError as error:
            log.warning("shop notification not recorded, YooKassa will retry: %s", error)
            metrics.http_requests.labels("yookassa_shop", "503").inc()
            raise HTTPException(status_code=503, detail="try again") from None
        metrics.http_requests.labels("yookassa_shop", "200").inc()
        metrics.events.labels(f"shop_notification_{outcome}").inc()
        return Response({"status": outcome}, status_code=200)

    return Router(path="/", route_handlers=[shop_webhook])
