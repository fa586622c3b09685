"""While a tenant is suspended its bot answers politely and does nothing else; data stays."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from services.booking.bot.screens import esc
from services.booking.context import BookingDeps, TenantContext


class SuspendedTenant(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tenant: TenantContext = data["tenant"]
        if not tenant.suspended or not isinstance(event, Update):
            return await handler(event, data)
        deps: BookingDeps = data["deps"]
        user = event.message.from_user if event.message else None
        if event.callback_query:
            user = event.callback_query.from_user
        if user is None:
            return None
        locale = deps.texts.locale_for(user.language_code)
        key = "suspended.owner" if user.id == tenant.config.owner_chat_id else "suspended.customer"
        name = tenant.config.business_name
        if event.callback_query:  # an alert: plain text
            await event.callback_query.answer(
                deps.texts.text(locale, key, name=name), show_alert=True
            )
        elif event.message:  # HTML: the name is escaped
            await event.message.answer(deps.texts.text(locale, key, name=esc(name)))
        return None
