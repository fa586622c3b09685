"""«🗓 Неделя»: the week at a glance for one master or all of them, page by page."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from services.booking.bot.admin.callbacks import day_of
from services.booking.bot.admin.desk_callbacks import Glance
from services.booking.bot.admin.desk_scope import with_desk
from services.booking.bot.admin.screens import glance as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import week
from services.booking.use_cases.admin.desk_ports import DeskScope
from services.booking.use_cases.admin.ports import Staff


async def week_view(
    callback: CallbackQuery, callback_data: Glance, staff: Staff, desk: DeskScope, words: Words
) -> None:
    wanted = day_of(callback_data.w) if callback_data.w else None
    view = await week.week(desk, staff, callback_data.m, wanted)
    await show(callback, screens.week(words, view))


def router() -> Router:
    feature = Router(name="admin-week")
    feature.callback_query.register(week_view, Glance.filter())
    return with_desk(feature)
