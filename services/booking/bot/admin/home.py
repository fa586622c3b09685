"""`/admin` and «Админка»: the sections of the staff member's role; `/cancel` of a question."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Nav
from services.booking.bot.admin.reply import answer
from services.booking.bot.admin.screens import home as screens
from services.booking.bot.admin.screens.parts import with_notice
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import access
from services.booking.use_cases.admin.ports import AdminScope, Staff


async def admin_command(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await state.clear()
    await answer(message, screens.home(words, staff, await access.business_name(admin)))


async def cancel_question(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await state.clear()
    screen = screens.home(words, staff, await access.business_name(admin))
    await answer(message, with_notice(screen, words("admin.cancelled")))


async def home(callback: CallbackQuery, staff: Staff, admin: AdminScope, words: Words) -> None:
    await show(callback, screens.home(words, staff, await access.business_name(admin)))


async def not_text(message: Message, words: Words) -> None:
    """Something other than text while a question is open."""
    await message.answer(words("admin.error.text_expected"))


def router() -> Router:
    feature = Router(name="admin-home")
    feature.message.register(admin_command, Command("admin"))
    feature.message.register(cancel_question, Command("cancel"))
    feature.callback_query.register(home, Nav.filter(F.to == "home"))
    return feature


def last_router() -> Router:
    """After every feature: an open question answered with something that is not text."""
    feature = Router(name="admin-leftovers")
    feature.message.register(not_text)
    return feature
