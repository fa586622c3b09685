"""«Язык и время»: the business's language (buttons) and time zone (a list, or typed)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.adapters.locale_cache import BusinessLocales
from services.booking.bot.admin.owner_callbacks import Lang
from services.booking.bot.admin.owner_scope import with_owner
from services.booking.bot.admin.owner_states import OwnerInput
from services.booking.bot.admin.reply import answer
from services.booking.bot.admin.screens import owner as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.owner import language
from services.booking.use_cases.owner.language import ZONES
from services.booking.use_cases.owner.ports import OwnerScope


async def pressed(
    callback: CallbackQuery,
    callback_data: Lang,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
    locales: BusinessLocales,
) -> None:
    action = callback_data.a
    if action == "zones":
        require_manager(staff, "settings")
        await show(callback, screens.zones(words))
    elif action == "type":
        require_manager(staff, "settings")
        await state.set_state(OwnerInput.zone)
        await show(callback, screens.ask_zone(words))
    elif action == "zone":
        if not 1 <= callback_data.z <= len(ZONES):
            raise BadInput("bad_button")
        change = await language.set_zone(owner, staff, ZONES[callback_data.z - 1])
        view = await language.current(owner, staff)
        await show(
            callback, screens.language(words, view, notice=screens.zone_changed(words, change))
        )
    elif action in ("ru", "en"):
        view = await language.set_language(owner, staff, action)
        await locales.remember(owner.tenant_id, view.locale)  # every process reads it there
        await show(callback, screens.language(words, view, notice=words("admin.lang.saved")))
    else:
        await show(callback, screens.language(words, await language.current(owner, staff)))


async def typed_zone(
    message: Message,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    change = await language.set_zone(owner, staff, message.text or "")
    await state.clear()
    view = await language.current(owner, staff)
    await answer(message, screens.language(words, view, notice=screens.zone_changed(words, change)))


def router() -> Router:
    feature = Router(name="owner-language")
    feature.callback_query.register(pressed, Lang.filter())
    feature.message.register(typed_zone, StateFilter(OwnerInput.zone), F.text)
    return with_owner(feature)
