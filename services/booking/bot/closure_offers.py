"""A time offered after a closure cancelled a booking: one tap books it, through the same
confirm as «Подтвердить» (the limit, a fresh read of the schedule, the database's
constraint); a time gone meanwhile is refused politely by the customer's error handlers."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from services.booking.bot import codes
from services.booking.bot.offer_callbacks import OfferTime
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, booking
from services.booking.use_cases.booking import Held, confirm_booking
from services.booking.use_cases.ports import Scope


async def take_offer(
    callback: CallbackQuery,
    callback_data: OfferTime,
    state: FSMContext,
    scope: Scope,
    words: Words,
) -> None:
    starts_at = codes.instant(callback_data.t)
    held = Held(
        service_id=callback_data.s,
        master_id=callback_data.m,
        shown_master_id=callback_data.m,
        starts_at=starts_at,
    )
    done = await confirm_booking(
        scope,
        telegram_id=callback.from_user.id,
        service_id=callback_data.s,
        starts_at=starts_at,
        held=held,
    )
    await state.clear()
    await show(callback, booking.confirmed(words, done))


def router() -> Router:
    feature = Router(name="closure-offers")
    feature.callback_query.register(take_offer, OfferTime.filter())
    return feature
