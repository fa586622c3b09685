"""«🔁 Перенести» on a booking card: staff pick a new day and time (same master); the customer
is told by notifier."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from services.booking.bot.admin.callbacks import day_of
from services.booking.bot.admin.desk_callbacks import Move, instant_of
from services.booking.bot.admin.desk_scope import with_desk
from services.booking.bot.admin.screens import desk as screens
from services.booking.bot.admin.screens import full_card
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import card, staff_moves
from services.booking.use_cases.admin.desk_ports import DeskScope
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.ports import Staff


async def move_days(
    callback: CallbackQuery, callback_data: Move, staff: Staff, desk: DeskScope, words: Words
) -> None:
    found = await staff_moves.days(desk, staff, callback_data.b)
    await show(callback, screens.move_days(words, found))


async def move_times(
    callback: CallbackQuery, callback_data: Move, staff: Staff, desk: DeskScope, words: Words
) -> None:
    if not callback_data.t:
        raise BadInput("bad_button")
    found = await staff_moves.times(desk, staff, callback_data.b, day_of(callback_data.t))
    await show(callback, screens.move_times(words, found))


async def move(
    callback: CallbackQuery, callback_data: Move, staff: Staff, desk: DeskScope, words: Words
) -> None:
    result = await staff_moves.move(desk, staff, callback_data.b, instant_of(callback_data.t))
    if isinstance(result, staff_moves.MoveLost):
        notice = words("admin.phone.lost")
        await show(callback, screens.move_times(words, result.times, notice=notice))
        return
    zone = result.business.timezone
    chat = result.line.customer.telegram_id
    key = "admin.card.moved_chat" if chat else "admin.card.moved_no_chat"
    notice = words(key, old=words.when(result.old_starts_at, zone))
    full = await card.open_card(desk, staff, callback_data.b)
    await show(callback, full_card.card(words, full, notice=notice))


def router() -> Router:
    feature = Router(name="admin-moves")
    feature.callback_query.register(move_days, Move.filter(F.a == "d"))
    feature.callback_query.register(move_times, Move.filter(F.a == "t"))
    feature.callback_query.register(move, Move.filter(F.a == "go"))
    return with_desk(feature)
