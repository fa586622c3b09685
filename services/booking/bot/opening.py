"""What /start shows before a business is open: the owner their setup wizard, a customer a
polite «booking opens soon» with a button to be told when it does (`use_cases.owner.opening`).

| prefix | class      | fields | button                                    | max bytes |
|--------|------------|--------|-------------------------------------------|-----------|
| `zw`   | `WaitOpen` | —      | «Сообщить, когда откроется»               | 2         |
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from services.booking.bot.admin.gate import admin_scope
from services.booking.bot.admin.owner_scope import owner_scope
from services.booking.bot.admin.screens import wizard as wizard_screens
from services.booking.bot.admin.wizard import present
from services.booking.bot.callbacks import Menu
from services.booking.bot.replies import show
from services.booking.bot.screens import Screen, Words, menu
from services.booking.bot.screens.common import button, esc
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import access
from services.booking.use_cases.owner import opening, wizard


class WaitOpen(CallbackData, prefix="zw"):
    pass


def soon(w: Words, business_name: str, *, waiting: bool = False) -> Screen:
    text = w("soon.text", name=esc(business_name))
    rows = [[button(w("menu.about"), Menu(action="about").pack())]]
    if waiting:
        text += "\n\n" + w("soon.waiting")
    else:
        rows.insert(0, [button(w("soon.notify_me"), WaitOpen().pack())])
    return Screen(text, rows)


async def welcome(
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
    state: FSMContext,
    *,
    telegram_id: int,
    business_name: str,
    custom: str | None = None,
) -> Screen:
    """The main menu of an open business (under the owner's greeting `custom`, if any);
    otherwise the wizard (owner) or «opens soon»."""
    scope = owner_scope(deps, tenant)
    found = await opening.status(scope, telegram_id)
    if found.ready:
        return menu.welcome(words, business_name, custom)
    if found.is_owner and not found.set_up:
        scope_of_staff = admin_scope(deps, tenant.tenant_id, tenant.config.db_server)
        staff = await access.who(scope_of_staff, telegram_id)
        if staff is not None:
            view = await wizard.view(scope, staff)
            await present(state, view)
            return wizard_screens.greeting(words, view)
    return soon(words, business_name)


async def wait_for_opening(
    callback: CallbackQuery, deps: BookingDeps, tenant: TenantContext, words: Words
) -> None:
    scope = owner_scope(deps, tenant)
    user = callback.from_user
    found = await opening.status(scope, user.id)
    if found.ready:  # it opened meanwhile: straight to the menu
        await show(callback, menu.welcome(words, found.name))
        return
    await opening.wait(scope, telegram_id=user.id, language_code=user.language_code or "")
    await show(callback, soon(words, found.name, waiting=True), notice=words("soon.thanks"))


def router() -> Router:
    feature = Router(name="opening")
    feature.callback_query.register(wait_for_opening, WaitOpen.filter())
    return feature
