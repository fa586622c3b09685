"""Hands the client base's handlers their `clients` (a `ClientsScope` of the update's tenant).
An inner middleware of those routers, so it runs after `StaffGate` has let the update in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject

from services.booking.adapters.clients_sql import PgClientsStore
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin.clients_ports import ClientsScope


class ClientsScopeMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        deps: BookingDeps = data["deps"]
        tenant: TenantContext = data["tenant"]
        data["clients"] = ClientsScope(
            tenant_id=tenant.tenant_id,
            store=PgClientsStore(deps.pool_of(tenant), tenant.tenant_id),
            clock=deps.clock,
        )
        return await handler(event, data)


def with_clients(router: Router) -> Router:
    middleware = ClientsScopeMiddleware()
    router.callback_query.middleware(middleware)
    router.message.middleware(middleware)
    return router
