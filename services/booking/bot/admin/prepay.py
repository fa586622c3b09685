"""«Предоплата» (owner only): connect the business's YooKassa shop (its id, then its secret
key, which is deleted from the chat as soon as it is read and never shown again), the hold
time, and each service's deposit or full prepayment."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.prepay_callbacks import PrepayNav
from services.booking.bot.admin.prepay_states import PrepayInput
from services.booking.bot.admin.reply import answer
from services.booking.bot.admin.screens import prepay as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.bot.screens.common import Screen
from services.booking.context import BookingDeps, PrepayDeps, TenantContext
from services.booking.use_cases.admin.access import require_owner
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.owner.errors import OwnerRefusal
from services.booking.use_cases.prepay import owner
from services.booking.use_cases.prepay.owner import PrepayView
from shared.stored_secrets import erase_stored
from shared.subjects import STREAM_TG


def _prepay(deps: BookingDeps) -> PrepayDeps:
    if deps.prepay is None:
        raise OwnerRefusal("admin.prepay.error.unavailable")
    return deps.prepay


def _home(
    words: Words, view: PrepayView, deps: BookingDeps, tenant: TenantContext, notice: str = ""
) -> Screen:
    url = deps.prepay.webhook_url(tenant.tenant_id) if deps.prepay else ""
    return screens.home(words, view, webhook_url=url, notice=notice)


async def pressed(
    callback: CallbackQuery,
    callback_data: PrepayNav,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    action, sid = callback_data.a, callback_data.s
    require_owner(staff, "prepay")
    if action == "on":
        _prepay(deps)
        await state.set_state(PrepayInput.shop_id)
        await show(callback, screens.ask(words, "admin.prepay.ask_shop"))
        return
    if action == "dep":
        await state.set_state(PrepayInput.deposit)
        await state.set_data({"s": sid})
        await show(callback, screens.ask(words, "admin.prepay.ask_deposit"))
        return
    notice = ""
    if action == "off":
        view = await owner.disconnect(admin, staff)
        notice = words("admin.prepay.disconnected")
    elif action == "hold":
        view = await owner.set_hold(admin, staff, callback_data.m)
    elif action in ("none", "full"):
        view = await owner.set_service(admin, staff, sid, action)
    else:
        view = await owner.view(admin, staff)
    if action == "svc":
        item = next((s for s in view.services if s.service_id == sid), None)
        if item is None:
            raise OwnerRefusal("admin.prepay.error.service")
        await show(callback, screens.service(words, item))
        return
    await show(callback, _home(words, view, deps, tenant, notice))


async def typed_shop(message: Message, state: FSMContext, staff: Staff, words: Words) -> None:
    require_owner(staff, "prepay")
    shop_id = owner.check_shop_id(message.text or "")
    await state.set_state(PrepayInput.secret)
    await state.set_data({"shop": shop_id})
    await answer(message, screens.ask(words, "admin.prepay.ask_secret", shop=shop_id))


async def typed_secret(
    message: Message,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    """The key is read once, the message deleted at once (if Telegram lets the bot), and only
    its sealed form is kept; a refusal leaves the question open for another try."""
    secret = message.text or ""
    with contextlib.suppress(TelegramAPIError):
        await message.delete()
    # the update with the key also stays in the TG stream for a day: overwrite it there too
    await erase_stored(deps.publisher, STREAM_TG.name, tenant.sequence, what="a shop key update")
    prepay = _prepay(deps)
    shop_id = str((await state.get_data()).get("shop", ""))
    view = await owner.connect(
        admin,
        staff,
        shop_id=shop_id,
        secret_key=secret,
        checker=prepay.checker,
        sealer=prepay.sealer,
    )
    await state.clear()
    await answer(message, _home(words, view, deps, tenant, words("admin.prepay.saved")))


async def typed_deposit(
    message: Message,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    kopecks = owner.parse_rubles(message.text or "")
    service_id = int((await state.get_data()).get("s", 0))
    view = await owner.set_service(admin, staff, service_id, "deposit", kopecks)
    await state.clear()
    await answer(message, _home(words, view, deps, tenant))


def router() -> Router:
    feature = Router(name="owner-prepay")
    feature.callback_query.register(pressed, PrepayNav.filter())
    feature.message.register(typed_shop, StateFilter(PrepayInput.shop_id), F.text)
    feature.message.register(typed_secret, StateFilter(PrepayInput.secret), F.text)
    feature.message.register(typed_deposit, StateFilter(PrepayInput.deposit), F.text)
    return feature
