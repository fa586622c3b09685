"""Whatever no other handler took: blank calendar cells, old or made-up buttons, stray text."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.callbacks import Blank
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, esc, menu
from services.booking.use_cases import customers
from services.booking.use_cases.ports import Scope


async def blank(callback: CallbackQuery) -> None:
    await callback.answer()


async def unknown_button(
    callback: CallbackQuery, state: FSMContext, scope: Scope, words: Words
) -> None:
    """A button this bot never made (or no longer understands): say so, show the menu."""
    await state.clear()
    user = callback.from_user
    business = await customers.greet(
        scope, telegram_id=user.id, language_code=user.language_code or "", payload=None
    )
    await show(callback, menu.welcome(words, business.name), notice=words("stale.button"))


async def stray_text(message: Message, scope: Scope, words: Words) -> None:
    user = message.from_user
    if user is None:
        return
    business = await customers.greet(
        scope, telegram_id=user.id, language_code=user.language_code or "", payload=None
    )
    screen = menu.main_menu(words, words("start.hint", name=esc(business.name)))
    await message.answer(screen.text, reply_markup=screen.markup)


def router() -> Router:
    feature = Router(name="fallback")
    feature.callback_query.register(blank, Blank.filter())
    feature.callback_query.register(unknown_button)
    feature.message.register(stray_text)
    return feature
