"""Hands the front-desk handlers their `desk` (a `DeskScope` of the update's tenant). An inner
middleware of the desk routers, so it runs after `StaffGate` has let the update in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject

from services.booking.adapters.desk_sql import PgDeskStore
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin.desk_ports import DeskScope


class DeskScopeMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        deps: BookingDeps = data["deps"]
        tenant: TenantContext = data["tenant"]
        data["desk"] = DeskScope(
            tenant_id=tenant.tenant_id,
            store=PgDeskStore(deps.pool_of(tenant), tenant.tenant_id),
            clock=deps.clock,
        )
        return await handler(event, data)


def with_desk(router: Router) -> Router:
    middleware = DeskScopeMiddleware()
    router.callback_query.middleware(middleware)
    router.message.middleware(middleware)
    return router
