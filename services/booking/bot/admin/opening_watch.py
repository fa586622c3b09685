"""After every admin update: if customers are waiting for booking to open and the business is
open now (a service, a master, hours: through the wizard or the usual screens), tell them.

An inner middleware of the admin router, after `StaffGate`; one small query when nobody waits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from services.booking.bot.admin.owner_scope import owner_scope
from services.booking.use_cases.owner import opening


class OpeningWatch(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        result = await handler(event, data)
        await opening.announce_if_open(owner_scope(data["deps"], data["tenant"]))
        return result
