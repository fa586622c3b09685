"""`/start` and the main menu: the pitch, how it works, the plans."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.billing.bot import screens
from services.billing.bot.callbacks import Menu
from services.billing.bot.common import show, user_id
from services.billing.bot.deps import SalesDeps
from shared.clock import Clock


async def _welcome(deps: SalesDeps, locale: str, buyer: int) -> screens.Screen:
    can_renew = bool(await deps.purchase.renewable_tenants(buyer))
    return screens.welcome(
        deps, locale, can_renew=can_renew, can_try=await deps.trial.available(buyer)
    )


async def start(message: Message, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    await state.clear()
    text, markup = await _welcome(sales, locale, user_id(message))
    await message.answer(text, reply_markup=markup)


async def home(callback: CallbackQuery, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    await state.clear()
    await show(callback, *await _welcome(sales, locale, user_id(callback)))


def router(clock: Clock) -> Router:
    feature = Router(name="sales-start")

    async def how(callback: CallbackQuery, sales: SalesDeps, locale: str) -> None:
        await show(callback, *screens.how_it_works(sales, locale, clock.now().date()))

    async def plans(callback: CallbackQuery, sales: SalesDeps, locale: str) -> None:
        await show(callback, *screens.plans_catalogue(sales, locale))

    feature.message.register(start, CommandStart(), F.chat.type == "private")
    feature.callback_query.register(home, Menu.filter(F.action == "home"))
    feature.callback_query.register(how, Menu.filter(F.action == "how"))
    feature.callback_query.register(plans, Menu.filter(F.action == "plans"))
    return feature
