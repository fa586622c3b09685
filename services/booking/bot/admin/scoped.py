"""Hands a feature's handlers their scope under a name of their choosing (`desk`, `clients`):
an inner middleware of the feature's routers, so it runs after `StaffGate` let the update in,
and the scope reads the tenant's own database server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject

from services.booking.context import BookingDeps, TenantContext

MakeScope = Callable[[BookingDeps, TenantContext], object]


class ScopeMiddleware(BaseMiddleware):
    def __init__(self, name: str, make: MakeScope) -> None:
        self._name = name
        self._make = make

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data[self._name] = self._make(data["deps"], data["tenant"])
        return await handler(event, data)


def with_scope(router: Router, name: str, make: MakeScope) -> Router:
    middleware = ScopeMiddleware(name, make)
    router.callback_query.middleware(middleware)
    router.message.middleware(middleware)
    return router
