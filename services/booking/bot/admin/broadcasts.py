"""Broadcasts (`mkb`, `mks`): the message (text, or a photo with a caption), «Записаться» or
not, the audience, the preview with the count, send; «Остановить» under the progress message.
Owner and admins (the use cases refuse a master). The draft stays in the FSM data (`bt`, `bp`,
`bb`) between the buttons, and is dropped once sent."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.adapters.marketing_sql import PgMarketingStore
from services.booking.bot.admin.marketing_callbacks import Bcast
from services.booking.bot.admin.reply import answer, ask
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.admin.screens import marketing as screens
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import broadcasts as use
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.marketing_ports import Audience, AudienceKind, MarketingScope
from services.booking.use_cases.admin.ports import Staff
from shared.callbacks import BroadcastStop

TEXT, PHOTO, BUTTON = "bt", "bp", "bb"


def marketing_scope(deps: BookingDeps, tenant: TenantContext) -> MarketingScope:
    return MarketingScope(
        tenant_id=tenant.tenant_id,
        store=PgMarketingStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


async def _draft(state: FSMContext) -> use.Draft | None:
    data = await state.get_data()
    if TEXT not in data:
        return None
    return use.Draft(
        text=str(data[TEXT]), photo=str(data.get(PHOTO, "")), book_button=bool(data.get(BUTTON))
    )


async def open_menu(callback: CallbackQuery, staff: Staff, words: Words) -> None:
    require_manager(staff, "broadcasts")
    await show(callback, screens.menu(words))


async def ask_text(callback: CallbackQuery, state: FSMContext, staff: Staff, words: Words) -> None:
    require_manager(staff, "broadcasts")
    await ask(callback, state, AdminInput.bcast_text, screens.ask_text(words))


async def take_text(message: Message, state: FSMContext, staff: Staff, words: Words) -> None:
    require_manager(staff, "broadcasts")
    photo = message.photo[-1].file_id if message.photo else ""
    draft = use.check_draft(use.Draft(text=message.html_text or "", photo=photo))
    await state.set_state(None)  # the draft stays in the data while buttons are pressed
    await state.set_data({TEXT: draft.text, PHOTO: draft.photo})
    await answer(message, screens.ask_button(words))


async def take_button(
    callback: CallbackQuery, callback_data: Bcast, state: FSMContext, staff: Staff, words: Words
) -> None:
    require_manager(staff, "broadcasts")
    if await _draft(state) is None:
        await show(callback, screens.menu(words), notice=words("admin.bcast.lost"), alert=True)
        return
    await state.update_data({BUTTON: bool(callback_data.v)})
    await show(callback, screens.audiences(words))


async def audiences(callback: CallbackQuery, staff: Staff, words: Words) -> None:
    require_manager(staff, "broadcasts")
    await show(callback, screens.audiences(words))


async def ask_days(
    callback: CallbackQuery, callback_data: Bcast, staff: Staff, words: Words
) -> None:
    require_manager(staff, "broadcasts")
    kind: AudienceKind = "lapsed" if callback_data.k == "lapsed" else "recent"
    await show(callback, screens.days(words, kind))


async def pick(
    callback: CallbackQuery,
    callback_data: Bcast,
    staff: Staff,
    marketing: MarketingScope,
    words: Words,
) -> None:
    kind: AudienceKind = "service" if callback_data.k == "service" else "master"
    options = await use.options(marketing, staff, kind)
    await show(callback, screens.pick(words, kind, options))


async def _chosen(
    callback: CallbackQuery, callback_data: Bcast, state: FSMContext, words: Words
) -> tuple[use.Draft, Audience] | None:
    """The draft and the audience the button names; None (the menu shown) when the draft is
    gone (another screen replaced it) or the button names no audience."""
    draft = await _draft(state)
    if draft is None or not callback_data.k:
        await show(callback, screens.menu(words), notice=words("admin.bcast.lost"), alert=True)
        return None
    return draft, use.audience_of(callback_data.k, callback_data.v)


async def preview(
    callback: CallbackQuery,
    callback_data: Bcast,
    state: FSMContext,
    staff: Staff,
    marketing: MarketingScope,
    words: Words,
) -> None:
    chosen = await _chosen(callback, callback_data, state, words)
    if chosen is None:
        return
    draft, audience = chosen
    found = await use.preview(marketing, staff, audience)
    await show(callback, screens.preview(words, draft, found))


async def send(
    callback: CallbackQuery,
    callback_data: Bcast,
    state: FSMContext,
    staff: Staff,
    marketing: MarketingScope,
    words: Words,
) -> None:
    chosen = await _chosen(callback, callback_data, state, words)
    if chosen is None:
        return
    draft, audience = chosen
    try:
        sent = await use.send(marketing, staff, draft, audience)
    except use.Busy:  # nothing recorded, nothing announced: the menu with the notice
        busy = words("admin.error.bcast_busy")
        await show(callback, screens.menu(words, notice=busy), notice=busy, alert=True)
        return
    await state.set_data({})
    await show(callback, screens.started(words, sent))


async def stop(
    callback: CallbackQuery,
    callback_data: BroadcastStop,
    staff: Staff,
    marketing: MarketingScope,
    words: Words,
) -> None:
    await use.stop(marketing, staff, callback_data.b)
    await callback.answer(words("admin.bcast.stopping"))


def router() -> Router:
    feature = Router(name="admin-broadcasts")
    feature.callback_query.register(open_menu, Bcast.filter(F.a == "menu"))
    feature.callback_query.register(ask_text, Bcast.filter(F.a == "new"))
    feature.callback_query.register(take_button, Bcast.filter(F.a == "btn"))
    feature.callback_query.register(audiences, Bcast.filter(F.a == "aud"))
    feature.callback_query.register(ask_days, Bcast.filter(F.a == "days"))
    feature.callback_query.register(pick, Bcast.filter(F.a == "pick"))
    feature.callback_query.register(preview, Bcast.filter(F.a == "show"))
    feature.callback_query.register(send, Bcast.filter(F.a == "go"))
    feature.callback_query.register(stop, BroadcastStop.filter())
    feature.message.register(take_text, AdminInput.bcast_text, F.text | F.photo)
    return with_scope(feature, "marketing", marketing_scope)
