"""Booking, step by step: service -> master -> calendar -> day -> time (then contact, confirm).

The calendar, day and time buttons also serve moving a booking (`b` > 0). Each handler
decodes the button, asks one use case (which re-reads the schedule) and edits the message.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot import codes, contact
from services.booking.bot.callbacks import (
    Menu,
    PickDay,
    PickMaster,
    PickMonth,
    PickService,
    PickTime,
)
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, booking, manage
from services.booking.use_cases import calendar, choice
from services.booking.use_cases import manage as managing
from services.booking.use_cases.booking import Held
from services.booking.use_cases.ports import Scope


async def book_command(message: Message, state: FSMContext, scope: Scope, words: Words) -> None:
    if message.from_user is None:
        return
    await state.clear()
    services = await choice.start_booking(scope, telegram_id=message.from_user.id)
    screen = booking.services_list(words, services)
    await message.answer(screen.text, reply_markup=screen.markup)


async def book(callback: CallbackQuery, state: FSMContext, scope: Scope, words: Words) -> None:
    await state.clear()
    services = await choice.start_booking(scope, telegram_id=callback.from_user.id)
    await show(callback, booking.services_list(words, services))


async def pick_service(
    callback: CallbackQuery, callback_data: PickService, scope: Scope, words: Words
) -> None:
    service, masters = await choice.masters_of(scope, callback_data.s)
    await show(callback, booking.masters_list(words, service, masters))


async def pick_master(
    callback: CallbackQuery, callback_data: PickMaster, scope: Scope, words: Words
) -> None:
    picked = choice.Choice(service_id=callback_data.s, master_id=callback_data.m or None)
    view = await calendar.month_view(scope, picked)
    await show(callback, booking.calendar(words, view, booking.Flow.of(picked)))


async def pick_month(
    callback: CallbackQuery, callback_data: PickMonth, scope: Scope, words: Words
) -> None:
    wanted = codes.month(callback_data.ym)
    picked = await managing.resolve_choice(
        scope,
        telegram_id=callback.from_user.id,
        service_id=callback_data.s,
        master_id=callback_data.m,
        booking_id=callback_data.b,
    )
    view = await calendar.month_view(scope, picked, wanted=wanted)
    await show(callback, booking.calendar(words, view, booking.Flow.of(picked)))


async def pick_day(
    callback: CallbackQuery, callback_data: PickDay, scope: Scope, words: Words
) -> None:
    day = codes.day(callback_data.d)
    picked = await managing.resolve_choice(
        scope,
        telegram_id=callback.from_user.id,
        service_id=callback_data.s,
        master_id=callback_data.m,
        booking_id=callback_data.b,
    )
    found = await choice.day_times(scope, picked, day)
    flow = booking.Flow.of(picked)
    if not found.times:
        view = await calendar.month_view(scope, picked, wanted=(day.year, day.month))
        screen = booking.calendar(words, view, flow, wait_day=day)
        await show(callback, screen, notice=words("book.day_full"))
        return
    await show(callback, booking.times(words, found, flow))


async def pick_time(
    callback: CallbackQuery,
    callback_data: PickTime,
    state: FSMContext,
    scope: Scope,
    words: Words,
) -> None:
    starts_at = codes.instant(callback_data.t)
    user_id = callback.from_user.id
    if callback_data.b:
        plan = await managing.reschedule(
            scope,
            telegram_id=user_id,
            booking_id=callback_data.b,
            starts_at=starts_at,
            commit=False,
        )
        await show(callback, manage.ask_move(words, plan, starts_at))
        return
    picked = await choice.choose_time(
        scope,
        choice.Choice(service_id=callback_data.s, master_id=callback_data.m or None),
        starts_at,
    )
    held = Held(
        service_id=picked.service.id,
        master_id=None if picked.any_master else picked.master.id,
        shown_master_id=picked.master.id,
        starts_at=starts_at,
    )
    await contact.continue_after_time(callback, held, picked, state, scope, words)


def router() -> Router:
    feature = Router(name="booking")
    feature.message.register(book_command, Command("book"))
    feature.callback_query.register(book, Menu.filter(F.action == "book"))
    feature.callback_query.register(pick_service, PickService.filter())
    feature.callback_query.register(pick_master, PickMaster.filter())
    feature.callback_query.register(pick_month, PickMonth.filter())
    feature.callback_query.register(pick_day, PickDay.filter())
    feature.callback_query.register(pick_time, PickTime.filter())
    return feature
