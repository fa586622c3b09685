"""«Закрытия и отпуска»: a master's vacation or a business-wide holiday over typed days, and
the bookings a closure covers: keep, or cancel with a notice that offers new times."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message

from services.booking.adapters.closures import PgClosureStore
from services.booking.bot.admin.closure_callbacks import (
    ClosureDecide,
    ClosureOpen,
    Closures,
    VacationOf,
)
from services.booking.bot.admin.closure_notices import send_notices
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.admin.screens import closures as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import access, closures, schedule
from services.booking.use_cases.admin.closure_ports import ClosureScope
from services.booking.use_cases.admin.owner_errors import OwnerRefused
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.ports import Scope


def closure_scope(deps: BookingDeps, tenant: TenantContext) -> ClosureScope:
    return ClosureScope(
        tenant_id=tenant.tenant_id,
        store=PgClosureStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


async def listing(
    callback: CallbackQuery, staff: Staff, closing: ClosureScope, words: Words
) -> None:
    found = await closures.listing(closing, staff)
    await show(callback, screens.listing(words, found))


async def ask_days(
    callback: CallbackQuery, state: FSMContext, words: Words, master_id: int
) -> None:
    key = "admin.closure.ask_holiday" if master_id == 0 else "admin.closure.ask_vacation"
    screen = question(words, words(key), Closures(a="list").pack())
    await ask(callback, state, AdminInput.closure_days, screen, m=master_id)


async def whose(
    callback: CallbackQuery, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    found = await schedule.schedule_masters(admin, staff)
    if not access.manages_all(staff) and len(found) == 1:
        await ask_days(callback, state, words, found[0].id)
        return
    await show(callback, screens.whose(words, found))


async def vacation_of(
    callback: CallbackQuery,
    callback_data: VacationOf,
    state: FSMContext,
    staff: Staff,
    words: Words,
) -> None:
    access.require_master(staff, callback_data.m)  # asked again when the days are saved
    await ask_days(callback, state, words, callback_data.m)


async def holiday(callback: CallbackQuery, state: FSMContext, staff: Staff, words: Words) -> None:
    access.require_manager(staff, "schedule")
    await ask_days(callback, state, words, 0)


async def save_days(
    message: Message,
    state: FSMContext,
    staff: Staff,
    closing: ClosureScope,
    words: Words,
) -> None:
    master_id = int((await state.get_data()).get("m", 0))
    view = await closures.add(closing, staff, master_id or None, message.text or "")
    await done(message, state, screens.closure(words, view, notice=words("admin.saved")))


async def open_closure(
    callback: CallbackQuery,
    callback_data: ClosureOpen,
    staff: Staff,
    closing: ClosureScope,
    words: Words,
) -> None:
    if callback_data.a == "rm":
        found = await closures.remove(closing, staff, callback_data.c)
        await show(callback, screens.listing(words, found), notice=words("admin.closure.lifted"))
        return
    await show(
        callback, screens.closure(words, await closures.view(closing, staff, callback_data.c))
    )


async def decide(
    callback: CallbackQuery,
    callback_data: ClosureDecide,
    staff: Staff,
    admin: AdminScope,
    scope: Scope,
    closing: ClosureScope,
    deps: BookingDeps,
    words: Words,
) -> None:
    booking_id = callback_data.b or None
    if callback_data.a == "k":
        view = await closures.keep(closing, staff, callback_data.c, booking_id)
        await show(callback, screens.closure(words, view), notice=words("admin.closure.kept"))
        return
    view, notices = await closures.cancel(
        closing,
        admin,
        scope,
        staff,
        callback_data.c,
        booking_id,
        reason=words("admin.closure.reason"),
    )
    business = await access.business_name(admin)
    sent = 0
    if callback.bot is not None:
        sent = await send_notices(callback.bot, deps, notices, business)
    text = words("admin.closure.cancelled", n=len(notices), sent=sent)
    await show(callback, screens.closure(words, view, notice=text))


async def refused(event: ErrorEvent, words: Words) -> None:
    error = event.exception
    assert isinstance(error, OwnerRefused)  # the filter guarantees it
    text = words(error.key, **error.values)
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


def errors_router() -> Router:
    feature = Router(name="admin-owner-refusals")
    feature.errors.register(refused, ExceptionTypeFilter(OwnerRefused))
    return feature


def router() -> Router:
    feature = Router(name="admin-closures")
    feature.callback_query.register(listing, Closures.filter(F.a == "list"))
    feature.callback_query.register(whose, Closures.filter(F.a == "vac"))
    feature.callback_query.register(holiday, Closures.filter(F.a == "hol"))
    feature.callback_query.register(vacation_of, VacationOf.filter())
    feature.callback_query.register(open_closure, ClosureOpen.filter())
    feature.callback_query.register(decide, ClosureDecide.filter())
    feature.message.register(save_days, AdminInput.closure_days, F.text)
    return with_scope(feature, "closing", closure_scope)
