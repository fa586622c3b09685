"""The waitlist for freed time, the customer's side: «Лист ожидания» on the calendar and the
times (choose the days, joined), «Мой лист ожидания» (see, leave), and the one-tap booking of
an offered time (`SlotOfferTime` under notifier's message). Refusals are worded here, before
the general customer error handlers (which would call them a generic error)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent

from services.booking.adapters.tenant_store import PgTenantStore
from services.booking.bot import codes, contact
from services.booking.bot.replies import notify, show
from services.booking.bot.screens import Words, booking
from services.booking.bot.screens import slotwait as screens
from services.booking.bot.slotwait_callbacks import WaitAdd, WaitJoin, WaitLeave, WaitList
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases import choice
from services.booking.use_cases.booking import Held
from services.booking.use_cases.ports import Scope
from services.booking.use_cases.slotwait import entries, take
from services.booking.use_cases.slotwait.errors import OfferGone, OfferTaken, WaitRefused
from services.booking.use_cases.slotwait.ports import WaitScope
from shared.callbacks import SlotOfferTime


def wait_scope(deps: BookingDeps, tenant: TenantContext) -> WaitScope:
    return WaitScope(
        tenant_id=tenant.tenant_id,
        store=PgTenantStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


async def ask_days(callback: CallbackQuery, callback_data: WaitJoin, words: Words) -> None:
    day = codes.day(callback_data.d) if callback_data.d else None
    await show(callback, screens.ask_days(words, callback_data.s, callback_data.m, day))


async def add(
    callback: CallbackQuery,
    callback_data: WaitAdd,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    done = await entries.join(
        wait_scope(deps, tenant),
        telegram_id=callback.from_user.id,
        language_code=callback.from_user.language_code or "",
        service_id=callback_data.s,
        master_id=callback_data.m,
        first_day=codes.day(callback_data.d) if callback_data.d else None,
        span_days=callback_data.n,
    )
    await show(callback, screens.joined(words, done))


async def mine(
    callback: CallbackQuery, deps: BookingDeps, tenant: TenantContext, words: Words
) -> None:
    found = await entries.mine(wait_scope(deps, tenant), telegram_id=callback.from_user.id)
    await show(callback, screens.mine(words, found))


async def leave(
    callback: CallbackQuery,
    callback_data: WaitLeave,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    found = await entries.leave(
        wait_scope(deps, tenant), telegram_id=callback.from_user.id, entry_id=callback_data.e
    )
    await show(callback, screens.mine(words, found), notice=words("slotwait.left"))


async def take_offer(
    callback: CallbackQuery,
    callback_data: SlotOfferTime,
    state: FSMContext,
    deps: BookingDeps,
    tenant: TenantContext,
    scope: Scope,
    words: Words,
) -> None:
    starts_at = codes.instant(callback_data.t) if 0 <= callback_data.t < 10**8 else None
    if starts_at is None or not 0 < callback_data.m < 2**31:
        raise OfferGone(callback_data.e)
    done = await take.take(
        wait_scope(deps, tenant),
        telegram_id=callback.from_user.id,
        entry_id=callback_data.e,
        master_id=callback_data.m,
        starts_at=starts_at,
        return_url=f"https://t.me/{tenant.config.bot_username}",
    )
    if isinstance(done, take.NeedsContact):  # never gave a phone: ask as after a time pressed
        picked = await choice.choose_time(
            scope, choice.Choice(done.service_id, done.master_id), done.starts_at
        )
        held = Held(done.service_id, done.master_id, done.master_id, done.starts_at)
        await contact.continue_after_time(callback, held, picked, state, scope, words)
        return
    await state.clear()
    await show(callback, booking.confirmed(words, done))


async def offer_taken(event: ErrorEvent, words: Words) -> None:
    callback = event.update.callback_query
    if callback is not None:
        await show(callback, screens.taken(words), notice=words("slotwait.taken"), alert=True)


async def offer_gone(event: ErrorEvent, words: Words) -> None:
    callback = event.update.callback_query
    if callback is not None:
        await show(callback, screens.gone(words), notice=words("slotwait.gone"), alert=True)


async def wait_refused(event: ErrorEvent, words: Words) -> None:
    error = event.exception
    assert isinstance(error, WaitRefused)  # the filter guarantees it
    callback = event.update.callback_query
    if callback is not None:
        await notify(
            callback, words(f"slotwait.refused.{error.reason}", limit=error.limit), alert=True
        )


def errors_router() -> Router:
    """Included before the customer's general error handlers."""
    feature = Router(name="slotwait-errors")
    feature.errors.register(offer_taken, ExceptionTypeFilter(OfferTaken))
    feature.errors.register(offer_gone, ExceptionTypeFilter(OfferGone))
    feature.errors.register(wait_refused, ExceptionTypeFilter(WaitRefused))
    return feature


def router() -> Router:
    feature = Router(name="slotwait")
    feature.callback_query.register(ask_days, WaitJoin.filter())
    feature.callback_query.register(add, WaitAdd.filter())
    feature.callback_query.register(mine, WaitList.filter())
    feature.callback_query.register(leave, WaitLeave.filter())
    feature.callback_query.register(take_offer, SlotOfferTime.filter())
    return feature
