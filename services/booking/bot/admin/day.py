"""«Сегодня»: a day's bookings, a booking's card, cancel with a reason, completed, no-show."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Act, Day, day_of
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import day as screens
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import bookings
from services.booking.use_cases.admin.ports import AdminScope, Outcome, Staff


async def day(
    callback: CallbackQuery, callback_data: Day, staff: Staff, admin: AdminScope, words: Words
) -> None:
    wanted = day_of(callback_data.d) if callback_data.d else None
    await show(callback, screens.day(words, await bookings.day_view(admin, staff, wanted)))


async def card(
    callback: CallbackQuery, callback_data: Act, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await show(callback, screens.card(words, await bookings.card(admin, staff, callback_data.b)))


async def ask_reason(
    callback: CallbackQuery,
    callback_data: Act,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    found = await bookings.card(admin, staff, callback_data.b)
    await ask(
        callback,
        state,
        AdminInput.cancel_reason,
        screens.ask_reason(words, found),
        b=found.line.booking.id,
    )


async def cancel_without_reason(
    callback: CallbackQuery, callback_data: Act, staff: Staff, admin: AdminScope, words: Words
) -> None:
    found = await bookings.cancel(admin, staff, callback_data.b)
    await show(callback, screens.card(words, found, notice=words("admin.cancel.done")))


async def cancel_with_reason(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    booking_id = int((await state.get_data()).get("b", 0))
    reason = bookings.clean_reason(message.text or "")
    found = await bookings.cancel(admin, staff, booking_id, reason=reason)
    await done(message, state, screens.card(words, found, notice=words("admin.cancel.done")))


async def outcome(
    callback: CallbackQuery, callback_data: Act, staff: Staff, admin: AdminScope, words: Words
) -> None:
    result: Outcome = "completed" if callback_data.a == "done" else "no_show"
    found = await bookings.mark(admin, staff, callback_data.b, result)
    await show(callback, screens.card(words, found), notice=words(f"admin.status.{result}"))


def router() -> Router:
    feature = Router(name="admin-day")
    feature.callback_query.register(day, Day.filter())
    feature.callback_query.register(card, Act.filter(F.a == "v"))
    feature.callback_query.register(ask_reason, Act.filter(F.a == "x"))
    feature.callback_query.register(cancel_without_reason, Act.filter(F.a == "x0"))
    feature.callback_query.register(outcome, Act.filter(F.a.in_({"done", "ns"})))
    feature.message.register(cancel_with_reason, AdminInput.cancel_reason, F.text)
    return feature
