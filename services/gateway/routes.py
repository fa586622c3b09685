"""The webhook door: `POST /tg/{bot_key}`; errors become the statuses Telegram understands.

The sender is checked before the body is read: a wrong, missing or undecodable secret header
is 401 and an unknown bot 404 without reading a byte; a body announced or streamed past the
limit is 413 as soon as it passes it (Litestar 2.13+ enforces `request_max_body_size` on the
`Content-Length` and while streaming), never after buffering all of it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar import Request, Response, Router, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath

from services.gateway.use_cases import AcceptUpdate, BadUpdate
from shared.errors import Forbidden, TenantUnknown, TransientError
from shared.logs import log_context
from shared.metrics import Metrics

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name


def webhook_router(accept: AcceptUpdate, metrics: Metrics, *, max_body_bytes: int) -> Router:
    @post("/tg/{bot_key:str}", status_code=200, request_max_body_size=max_body_bytes)
    async def telegram_webhook(
        bot_key: FromPath[str], request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        started = time.perf_counter()
        with log_context(tenant=bot_key):
            try:
                route = await accept.admit(bot_key, request.headers.get(SECRET_HEADER))
                update_id = await accept.publish(route, await request.body())
            except Forbidden:
                status = 401
            except TenantUnknown:
                status = 404
            except BadUpdate as error:
                log.info("refused a body that is not an update: %s", error)
                status = 400
            except TransientError as error:
                log.warning("update not stored, Telegram will retry: %s", error)
                status = 503
            else:
                log.debug("update %d accepted", update_id)
                status = 200
        metrics.http_requests.labels("tg_webhook", str(status)).inc()
        metrics.http_seconds.labels("tg_webhook").observe(time.perf_counter() - started)
        if status != 200:
            raise HTTPException(status_code=status)
        return Response(b"", status_code=200)

    return Router(path="/", route_handlers=[telegram_webhook])
