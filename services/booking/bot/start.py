"""`/start` (with a deep-link source), the main menu and «О нас» (`/about`)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from services.booking.bot import opening
from services.booking.bot.callbacks import Menu
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, menu
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases import about as about_info
from services.booking.use_cases import customers
from services.booking.use_cases.ports import Scope


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    scope: Scope,
    words: Words,
    deps: BookingDeps,
    tenant: TenantContext,
) -> None:
    user = message.from_user
    if user is None:
        return
    await state.clear()
    greeting = await customers.greeting(
        scope, telegram_id=user.id, language_code=user.language_code or "", payload=command.args
    )
    screen = await opening.welcome(
        deps,
        tenant,
        words,
        state,
        telegram_id=user.id,
        business_name=greeting.business.name,
        custom=menu.own_greeting(words, greeting, user.first_name),
    )
    await message.answer(screen.text, reply_markup=screen.markup)


async def home(
    callback: CallbackQuery,
    state: FSMContext,
    scope: Scope,
    words: Words,
    deps: BookingDeps,
    tenant: TenantContext,
) -> None:
    await state.clear()
    user = callback.from_user
    greeting = await customers.greeting(
        scope, telegram_id=user.id, language_code=user.language_code or "", payload=None
    )
    screen = await opening.welcome(
        deps,
        tenant,
        words,
        state,
        telegram_id=user.id,
        business_name=greeting.business.name,
        custom=menu.own_greeting(words, greeting, user.first_name),
    )
    await show(callback, screen)


async def about_command(message: Message, scope: Scope, words: Words) -> None:
    screen = menu.about(words, await about_info.about(scope))
    await message.answer(screen.text, reply_markup=screen.markup)


async def about(callback: CallbackQuery, scope: Scope, words: Words) -> None:
    await show(callback, menu.about(words, await about_info.about(scope)))


async def cancel_typing(message: Message, state: FSMContext, scope: Scope, words: Words) -> None:
    """`/cancel` (or «Отмена») while the bot waits for text: drop it and show the menu."""
    await state.clear()
    await message.answer(words("start.cancelled"), reply_markup=ReplyKeyboardRemove())
    await start_menu(message, scope, words)


async def start_menu(message: Message, scope: Scope, words: Words) -> None:
    user = message.from_user
    if user is None:
        return
    greeting = await customers.greeting(
        scope, telegram_id=user.id, language_code=user.language_code or "", payload=None
    )
    custom = menu.own_greeting(words, greeting, user.first_name)
    screen = menu.welcome(words, greeting.business.name, custom)
    await message.answer(screen.text, reply_markup=screen.markup)


def router() -> Router:
    feature = Router(name="start")
    feature.message.register(start, CommandStart())
    feature.message.register(cancel_typing, Command("cancel"))
    feature.message.register(about_command, Command("about"))
    feature.callback_query.register(home, Menu.filter(F.action == "home"))
    feature.callback_query.register(about, Menu.filter(F.action == "about"))
    return feature
