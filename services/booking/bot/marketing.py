"""The customer's side of bulk messages: «Отписаться от рассылок» / «Подписаться снова» (one
tap, a polite confirmation as a new message), and «Записаться» under a broadcast (the services)
or a win-back (the same service and master's calendar), also as a new message: the broadcast
itself stays as it was."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from services.booking.bot.admin.broadcasts import marketing_scope
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.replies import send
from services.booking.bot.screens import Screen, Words, booking
from services.booking.bot.screens.common import button
from services.booking.use_cases import calendar, choice
from services.booking.use_cases.admin.marketing_ports import MarketingScope
from services.booking.use_cases.bulk_optout import set_bulk_optout
from services.booking.use_cases.ports import Scope
from shared.callbacks import BulkBook, BulkOptOut


async def opt(
    callback: CallbackQuery, callback_data: BulkOptOut, marketing: MarketingScope, words: Words
) -> None:
    opted_out = not callback_data.on
    await set_bulk_optout(marketing, telegram_id=callback.from_user.id, opted_out=opted_out)
    if opted_out:
        again = button(words("optout.button_back"), BulkOptOut(on=1).pack())
        screen = Screen(words("optout.done"), [[again]])
    else:
        leave = button(words("optout.button_leave"), BulkOptOut(on=0).pack())
        screen = Screen(words("optout.back"), [[leave]])
    await callback.answer()
    await send(callback, screen)


async def book(
    callback: CallbackQuery,
    callback_data: BulkBook,
    state: FSMContext,
    scope: Scope,
    words: Words,
) -> None:
    await state.clear()
    await callback.answer()
    if not callback_data.s:
        services = await choice.start_booking(scope, telegram_id=callback.from_user.id)
        await send(callback, booking.services_list(words, services))
        return
    await choice.start_booking(scope, telegram_id=callback.from_user.id)  # limits, blocking
    picked = choice.Choice(service_id=callback_data.s, master_id=callback_data.m or None)
    view = await calendar.month_view(scope, picked)
    await send(callback, booking.calendar(words, view, booking.Flow.of(picked)))


def router() -> Router:
    feature = Router(name="bulk-messages")
    feature.callback_query.register(opt, BulkOptOut.filter())
    feature.callback_query.register(book, BulkBook.filter())
    return with_scope(feature, "marketing", marketing_scope)
