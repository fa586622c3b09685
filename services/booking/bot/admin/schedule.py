"""«Расписание»: whose, a master's week, a weekday's hours, break or day off (typed)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Nav, Week, WeekDay
from services.booking.bot.admin.closure_check import covered_after_change
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import schedule as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import schedule
from services.booking.use_cases.admin.access import manages_all
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.ports import Scope


async def whose(callback: CallbackQuery, staff: Staff, admin: AdminScope, words: Words) -> None:
    found = await schedule.schedule_masters(admin, staff)
    if not manages_all(staff) and len(found) == 1:  # a master goes straight to their week
        view = await schedule.week(admin, staff, found[0].id)
        await show(callback, screens.week(words, view))
        return
    await show(callback, screens.whose(words, found))


async def week(
    callback: CallbackQuery, callback_data: Week, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await show(callback, screens.week(words, await schedule.week(admin, staff, callback_data.m)))


async def weekday(
    callback: CallbackQuery, callback_data: WeekDay, staff: Staff, admin: AdminScope, words: Words
) -> None:
    view = await schedule.week(admin, staff, callback_data.m)
    await show(callback, screens.weekday(words, view, callback_data.w))


async def ask_hours(
    callback: CallbackQuery,
    callback_data: WeekDay,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    view = await schedule.week(admin, staff, callback_data.m)  # the role check first
    name = words(f"weekday.{callback_data.w}")
    text = words(f"admin.sch.ask_{callback_data.a}", day=name)
    back = WeekDay(a="v", m=view.master.id, w=callback_data.w).pack()
    await ask(
        callback,
        state,
        AdminInput.week_day,
        question(words, text, back),
        m=view.master.id,
        w=callback_data.w,
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
    master_id, number, text = int(data.get("m", 0)), int(data.get("w", -1)), message.text or ""
    if data.get("f") == "brk":
        view = await schedule.set_breaks(admin, staff, master_id, number, text)
    else:
        view = await schedule.set_hours(admin, staff, master_id, number, text)
    covered = await covered_after_change(words, deps, tenant, scope, staff, view.master.id, None)
    await done(message, state, covered or screens.week(words, view, notice=words("admin.saved")))


async def day_off(
    callback: CallbackQuery,
    callback_data: WeekDay,
    staff: Staff,
    admin: AdminScope,
    scope: Scope,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    view = await schedule.day_off(admin, staff, callback_data.m, callback_data.w)
    covered = await covered_after_change(words, deps, tenant, scope, staff, view.master.id, None)
    screen = covered or screens.weekday(words, view, callback_data.w)
    await show(callback, screen, notice=words("admin.saved"))


def router() -> Router:
    feature = Router(name="admin-schedule")
    feature.callback_query.register(whose, Nav.filter(F.to == "sch"))
    feature.callback_query.register(week, Week.filter())
    feature.callback_query.register(weekday, WeekDay.filter(F.a == "v"))
    feature.callback_query.register(ask_hours, WeekDay.filter(F.a.in_({"hours", "brk"})))
    feature.callback_query.register(day_off, WeekDay.filter(F.a == "off"))
    feature.message.register(save_hours, AdminInput.week_day, F.text)
    return feature
