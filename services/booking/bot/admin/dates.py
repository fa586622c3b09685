"""One-off dates of a master: pick a date on a month, then a day off, changed hours or a
blocked range (typed), and removing a blocked range."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Date, Month, Unblock, day_code, day_of, month_of
from services.booking.bot.admin.closure_check import covered_after_change
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import schedule as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import dates
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.ports import Scope


async def month(
    callback: CallbackQuery, callback_data: Month, staff: Staff, admin: AdminScope, words: Words
) -> None:
    if callback_data.ym:
        year, number = month_of(callback_data.ym)
        found = await dates.month(admin, staff, callback_data.m, year, number)
    else:
        found = await dates.month(admin, staff, callback_data.m)
    await show(callback, screens.month(words, found))


async def date_view(
    callback: CallbackQuery, callback_data: Date, staff: Staff, admin: AdminScope, words: Words
) -> None:
    view = await dates.view(admin, staff, callback_data.m, day_of(callback_data.d))
    await show(callback, screens.date_screen(words, view))


async def day_off(
    callback: CallbackQuery,
    callback_data: Date,
    staff: Staff,
    admin: AdminScope,
    scope: Scope,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    off = callback_data.a == "off"
    day = day_of(callback_data.d)
    view = await dates.set_day_off(admin, staff, callback_data.m, day, off=off)
    covered = await covered_after_change(
        words, deps, tenant, scope, staff, view.master.id, (day, day)
    )
    await show(callback, covered or screens.date_screen(words, view), notice=words("admin.saved"))


async def reset(
    callback: CallbackQuery,
    callback_data: Date,
    staff: Staff,
    admin: AdminScope,
    scope: Scope,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    day = day_of(callback_data.d)
    view = await dates.set_changed_hours(admin, staff, callback_data.m, day, "-")
    covered = await covered_after_change(
        words, deps, tenant, scope, staff, view.master.id, (day, day)
    )
    await show(callback, covered or screens.date_screen(words, view), notice=words("admin.saved"))


async def ask_hours(
    callback: CallbackQuery,
    callback_data: Date,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    view = await dates.view(admin, staff, callback_data.m, day_of(callback_data.d))
    text = words(f"admin.date.ask_{callback_data.a}", day=words.day(view.day))
    screen = question(words, text, Date(a="v", m=view.master.id, d=day_code(view.day)).pack())
    await ask(
        callback,
        state,
        AdminInput.date_day,
        screen,
        m=view.master.id,
        d=day_code(view.day),
        f=callback_data.a,
    )


async def save_hours(
    message: Message,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    scope: Scope,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    data = await state.get_data()
    master_id, day, text = int(data.get("m", 0)), day_of(int(data.get("d", 0))), message.text or ""
    if data.get("f") == "block":
        view = await dates.block(admin, staff, master_id, day, text)
    else:
        view = await dates.set_changed_hours(admin, staff, master_id, day, text)
    covered = await covered_after_change(
        words, deps, tenant, scope, staff, view.master.id, (day, day)
    )
    await done(
        message, state, covered or screens.date_screen(words, view, notice=words("admin.saved"))
    )


async def unblock(
    callback: CallbackQuery, callback_data: Unblock, staff: Staff, admin: AdminScope, words: Words
) -> None:
    view = await dates.unblock(admin, staff, callback_data.r)
    await show(callback, screens.date_screen(words, view), notice=words("admin.saved"))


def router() -> Router:
    feature = Router(name="admin-dates")
    feature.callback_query.register(month, Month.filter())
    feature.callback_query.register(date_view, Date.filter(F.a == "v"))
    feature.callback_query.register(day_off, Date.filter(F.a.in_({"off", "on"})))
    feature.callback_query.register(reset, Date.filter(F.a == "reset"))
    feature.callback_query.register(ask_hours, Date.filter(F.a.in_({"hours", "block"})))
    feature.callback_query.register(unblock, Unblock.filter())
    feature.message.register(save_hours, AdminInput.date_day, F.text)
    return feature
