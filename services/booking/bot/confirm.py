"""«Подтвердить» under the summary: the booking is made (or politely refused) here."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from services.booking.bot import codes
from services.booking.bot.callbacks import Confirm
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, booking
from services.booking.bot.states import Booking, unpack_held
from services.booking.context import TenantContext
from services.booking.use_cases.booking import confirm_booking
from services.booking.use_cases.ports import Scope


async def confirm(
    callback: CallbackQuery,
    callback_data: Confirm,
    state: FSMContext,
    scope: Scope,
    words: Words,
    tenant: TenantContext,
) -> None:
    held = None
    if await state.get_state() == Booking.confirm.state:
        held = unpack_held(await state.get_data())
    done = await confirm_booking(
        scope,
        telegram_id=callback.from_user.id,
        service_id=callback_data.s,
        starts_at=codes.instant(callback_data.t),
        held=held,
        return_url=f"https://t.me/{tenant.config.bot_username}",
    )
    await state.clear()
    await show(callback, booking.confirmed(words, done))


def router() -> Router:
    feature = Router(name="confirm")
    feature.callback_query.register(confirm, Confirm.filter())
    return feature
