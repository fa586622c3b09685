"""«Настройки» (owner and admins): every setting with its value; a button asks for a new one."""

from __future__ import annotations

from typing import get_args

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Nav, Setting
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import people as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import settings
from services.booking.use_cases.admin.ports import AdminScope, Staff

FIELDS: frozenset[settings.Field] = frozenset(get_args(settings.Field))


async def overview(callback: CallbackQuery, staff: Staff, admin: AdminScope, words: Words) -> None:
    await show(callback, screens.settings(words, await settings.current(admin, staff)))


async def ask_value(
    callback: CallbackQuery,
    callback_data: Setting,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    await settings.current(admin, staff)  # the role check before the question
    text = words(f"admin.set.ask.{callback_data.f}")
    await ask(
        callback,
        state,
        AdminInput.setting,
        question(words, text, Nav(to="set").pack()),
        f=callback_data.f,
    )


async def save(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    wanted = (await state.get_data()).get("f")
    field = next((f for f in FIELDS if f == wanted), None)
    if field is None:
        await state.clear()
        return
    values = await settings.change(admin, staff, field, message.text or "")
    await done(message, state, screens.settings(words, values, notice=words("admin.saved")))


def router() -> Router:
    feature = Router(name="admin-settings")
    feature.callback_query.register(overview, Nav.filter(F.to == "set"))
    feature.callback_query.register(ask_value, Setting.filter())
    feature.message.register(save, AdminInput.setting, F.text)
    return feature
