"""Only the platform's operators may use the operator's bot; everyone else is refused politely.

An outer middleware on every update (messages and button presses alike): a stranger gets one
refusal and nothing else runs. For operators it adds `actor` and `locale` to the handler data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from services.provisioner.bot.context import OpsDeps
from services.provisioner.use_cases import operator_actor

log = logging.getLogger(__name__)


class OperatorsOnly(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        ops: OpsDeps = data["ops"]
        user: User | None = data.get("event_from_user")
        if user is not None and user.id in ops.operator_ids:
            data["actor"] = operator_actor(user.id)
            data["locale"] = ops.texts.locale_for(user.language_code)
            return await handler(event, data)
        log.warning("refused a non-operator: %s", user.id if user else "no user")
        if user is None or not isinstance(event, Update):
            return None
        refusal = ops.texts.text(ops.texts.locale_for(user.language_code), "refused")
        if event.callback_query is not None:
            await event.callback_query.answer(refusal, show_alert=True)
        elif event.message is not None:
            await event.message.answer(refusal)
        return None
