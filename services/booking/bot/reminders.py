"""The buttons under notifier's reminders: «Приду», «Перенести», «Отменить».

The reminder stays as it was; the answer comes as a new message below it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from services.booking.bot.replies import send
from services.booking.bot.screens import Words, booking, manage
from services.booking.use_cases import calendar, visits
from services.booking.use_cases import manage as managing
from services.booking.use_cases.ports import Scope
from shared.callbacks import ReminderAction


async def coming(
    callback: CallbackQuery, callback_data: ReminderAction, scope: Scope, words: Words
) -> None:
    done = await visits.confirm_attendance(
        scope, telegram_id=callback.from_user.id, booking_id=callback_data.booking_id
    )
    await callback.answer(words("visit.thanks_short"))
    await send(callback, manage.attendance(words, done))


async def move(
    callback: CallbackQuery,
    callback_data: ReminderAction,
    state: FSMContext,
    scope: Scope,
    words: Words,
) -> None:
    target = await managing.move_target(
        scope, telegram_id=callback.from_user.id, booking_id=callback_data.booking_id
    )
    await state.clear()
    view = await calendar.month_view(scope, target)
    await callback.answer()
    await send(callback, booking.calendar(words, view, booking.Flow.of(target)))


async def cancel(
    callback: CallbackQuery, callback_data: ReminderAction, scope: Scope, words: Words
) -> None:
    done = await managing.cancel(
        scope, telegram_id=callback.from_user.id, booking_id=callback_data.booking_id
    )
    await callback.answer()
    await send(callback, manage.cancelled(words, done))


def router() -> Router:
    feature = Router(name="reminders")
    feature.callback_query.register(coming, ReminderAction.filter(F.action == "ok"))
    feature.callback_query.register(move, ReminderAction.filter(F.action == "move"))
    feature.callback_query.register(cancel, ReminderAction.filter(F.action == "cancel"))
    return feature
