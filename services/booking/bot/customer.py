"""Per update: the customer's words (their language; a language the bot does not ship gets the
business's own, kept in Redis by `BusinessLocales`) and the tenant's use-case `Scope`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from services.booking.adapters.locale_cache import BusinessLocales
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases import about


class CustomerContext(BaseMiddleware):
    """Puts `words`, `scope` and `locales` into the handler data (an update-level outer
    middleware, so the error handlers see them too)."""

    def __init__(self, locales: BusinessLocales) -> None:
        self._locales = locales

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        deps: BookingDeps = data["deps"]
        tenant: TenantContext = data["tenant"]
        user: User | None = data.get("event_from_user")
        code = user.language_code if user else None
        scope = deps.scope(tenant.tenant_id, tenant.config.db_server)
        if not deps.texts.ships(code):  # not Russian by default: the business's own language
            code = await self._locales.of(tenant.tenant_id, lambda: about.business_locale(scope))
        data["words"] = Words(deps.texts, deps.texts.locale_for(code))
        data["scope"] = scope
        data["locales"] = self._locales
        return await handler(event, data)
