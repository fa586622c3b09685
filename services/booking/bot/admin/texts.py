"""«✏️ Тексты бота» (owner only): reword the greeting, «О нас», the booking confirmation, the
reminder and the review request, per language; preview before saving; reset to the shipped text.

The typed draft waits in the FSM data (`tx_body`, `tx_kind`, `tx_lang`) with no state set, so
the «Сохранить» press (which clears any open admin question) still finds it; `save` checks it
again before writing.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.adapters.texts_store import PgTextsStore
from services.booking.bot.admin.owner_states import OwnerInput
from services.booking.bot.admin.reply import answer
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.admin.screens import texts as screens
from services.booking.bot.admin.text_callbacks import Txt
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.owner import texts
from services.booking.use_cases.owner.texts_ports import TextsScope


def texts_scope(deps: BookingDeps, tenant: TenantContext) -> TextsScope:
    return TextsScope(
        tenant_id=tenant.tenant_id, store=PgTextsStore(deps.pool_of(tenant), tenant.tenant_id)
    )


async def pressed(
    callback: CallbackQuery,
    callback_data: Txt,
    state: FSMContext,
    staff: Staff,
    words: Words,
    scope_texts: TextsScope,
) -> None:
    action = callback_data.a
    if action == "list":
        await show(callback, screens.texts_list(words, await texts.overview(scope_texts, staff)))
        return
    kind = texts.kind_of(callback_data.k)
    locale = callback_data.l
    sample = screens.sample(words, locale, kind)
    if action == "edit":
        view = await texts.view(scope_texts, staff, kind, locale, sample)
        await state.set_state(OwnerInput.text_body)
        await state.set_data({"tx_kind": kind, "tx_lang": locale})
        await show(callback, screens.ask_text(words, view))
    elif action == "save":
        data = await state.get_data()
        if (data.get("tx_kind"), data.get("tx_lang")) != (kind, locale) or not data.get("tx_body"):
            view = await texts.view(scope_texts, staff, kind, locale, sample)
            notice = words("admin.texts.draft_gone")
        else:
            view = await texts.save(scope_texts, staff, kind, locale, data["tx_body"], sample)
            notice = words("admin.texts.saved")
        await state.set_data({})
        await show(callback, screens.text_screen(words, view, notice=notice))
    elif action == "reset":
        view = await texts.view(scope_texts, staff, kind, locale, sample)
        await show(callback, screens.confirm_reset(words, view))
    elif action == "sure":
        view = await texts.reset(scope_texts, staff, kind, locale, sample)
        notice = words("admin.texts.was_reset")
        await show(callback, screens.text_screen(words, view, notice=notice))
    else:
        view = await texts.view(scope_texts, staff, kind, locale, sample)
        await show(callback, screens.text_screen(words, view))


async def typed(
    message: Message, state: FSMContext, staff: Staff, words: Words, scope_texts: TextsScope
) -> None:
    """The draft: refused with the reason (the question stays open), or previewed."""
    data = await state.get_data()
    kind = texts.kind_of(str(data.get("tx_kind", "")))
    locale = str(data.get("tx_lang", ""))
    body = message.text or ""
    view = await texts.check(
        scope_texts, staff, kind, locale, body, screens.sample(words, locale, kind)
    )
    await state.set_state(None)  # a button press must not drop the draft
    await state.set_data({"tx_kind": kind, "tx_lang": locale, "tx_body": body})
    await answer(message, screens.preview(words, view))


def router() -> Router:
    feature = Router(name="owner-texts")
    feature.callback_query.register(pressed, Txt.filter())
    feature.message.register(typed, StateFilter(OwnerInput.text_body), F.text)
    return with_scope(feature, "scope_texts", texts_scope)
