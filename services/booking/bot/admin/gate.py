"""Who gets into the admin side, checked on every admin update on the server.

`AdminButton` / `AdminMessage` pick out admin events cheaply (an admin prefix; `/admin` or an
admin typing state), so customer updates pass by with no database work. `StaffGate` (an inner
middleware of the admin router, so it runs for every admin handler) looks the user up in
`staff_members`: staff get `staff` and `admin` (the use-case scope) in the handler data;
anyone else a polite refusal with the customer menu.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import BaseFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from services.booking.adapters.admin_store import PgAdminStore
from services.booking.bot.admin.callbacks import is_admin_data
from services.booking.bot.admin.states import is_admin_state
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, menu
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import access
from services.booking.use_cases.admin.ports import AdminScope

COMMAND = "/admin"


class AdminButton(BaseFilter):
    async def __call__(self, callback: CallbackQuery) -> bool:
        return is_admin_data(callback.data)


class AdminMessage(BaseFilter):
    """`/admin` (also `/admin@bot`), or a message while an admin question is open; other
    commands (`/start`, `/my`...) stay the customer's, `/cancel` closes an admin question."""

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        text = message.text or ""
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0].split("@", 1)[0]
            return command == COMMAND or (command == "/cancel" and is_admin_state(raw_state))
        return is_admin_state(raw_state)


def admin_scope(deps: BookingDeps, tenant_id: str, server: str) -> AdminScope:
    """The admin use cases' scope; `server` is the tenant's (`TenantConfig.db_server`)."""
    return AdminScope(
        tenant_id=tenant_id,
        store=PgAdminStore(deps.tenant_pool(server), tenant_id),
        clock=deps.clock,
    )


async def refuse(event: TelegramObject, words: Words, state: FSMContext | None) -> None:
    """Not staff: say so politely and offer the customer menu."""
    if state is not None:
        await state.clear()
    screen = menu.main_menu(words, words("admin.only_staff"))
    if isinstance(event, CallbackQuery):
        await show(event, screen, notice=words("admin.only_staff"), alert=True)
    elif isinstance(event, Message):
        await event.answer(screen.text, reply_markup=screen.markup)


class StaffGate(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        deps: BookingDeps = data["deps"]
        tenant: TenantContext = data["tenant"]
        user: User | None = data.get("event_from_user")
        state: FSMContext | None = data.get("state")
        scope = admin_scope(deps, tenant.tenant_id, tenant.config.db_server)
        staff = await access.who(scope, user.id) if user is not None else None
        if staff is None:
            await refuse(event, data["words"], state)
            return None
        if (
            isinstance(event, CallbackQuery)
            and state is not None
            and is_admin_state(data.get("raw_state"))
        ):
            await state.clear()  # a button press abandons an open question
        data["staff"] = staff
        data["admin"] = scope
        return await handler(event, data)
