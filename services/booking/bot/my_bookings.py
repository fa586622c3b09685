"""«Мои записи» (`/my`): the list, «Отменить» (asked once more), «Перенести», the move itself."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot import codes
from services.booking.bot.callbacks import Manage, Menu, MoveTo
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, booking, manage
from services.booking.use_cases import calendar
from services.booking.use_cases import manage as managing
from services.booking.use_cases.ports import Scope


async def my_command(message: Message, state: FSMContext, scope: Scope, words: Words) -> None:
    await state.clear()
    screen = manage.my_list(words, await managing.my_bookings(scope, telegram_id=message.chat.id))
    await message.answer(screen.text, reply_markup=screen.markup)


async def my(callback: CallbackQuery, state: FSMContext, scope: Scope, words: Words) -> None:
    await state.clear()
    mine = await managing.my_bookings(scope, telegram_id=callback.from_user.id)
    await show(callback, manage.my_list(words, mine))


async def ask_cancel(
    callback: CallbackQuery, callback_data: Manage, scope: Scope, words: Words
) -> None:
    plan = await managing.ask_cancel(
        scope, telegram_id=callback.from_user.id, booking_id=callback_data.b
    )
    await show(callback, manage.ask_cancel(words, plan))


async def cancel(
    callback: CallbackQuery, callback_data: Manage, scope: Scope, words: Words
) -> None:
    done = await managing.cancel(
        scope, telegram_id=callback.from_user.id, booking_id=callback_data.b
    )
    await show(callback, manage.cancelled(words, done))


async def move(callback: CallbackQuery, callback_data: Manage, scope: Scope, words: Words) -> None:
    target = await managing.move_target(
        scope, telegram_id=callback.from_user.id, booking_id=callback_data.b
    )
    view = await calendar.month_view(scope, target)
    await show(callback, booking.calendar(words, view, booking.Flow.of(target)))


async def move_to(
    callback: CallbackQuery, callback_data: MoveTo, scope: Scope, words: Words
) -> None:
    done = await managing.reschedule(
        scope,
        telegram_id=callback.from_user.id,
        booking_id=callback_data.b,
        starts_at=codes.instant(callback_data.t),
        commit=True,
    )
    await show(callback, manage.moved(words, done))


def router() -> Router:
    feature = Router(name="my-bookings")
    feature.message.register(my_command, Command("my"))
    feature.callback_query.register(my, Menu.filter(F.action == "my"))
    feature.callback_query.register(ask_cancel, Manage.filter(F.a == "cancel"))
    feature.callback_query.register(cancel, Manage.filter(F.a == "sure"))
    feature.callback_query.register(move, Manage.filter(F.a == "move"))
    feature.callback_query.register(move_to, MoveTo.filter())
    return feature
