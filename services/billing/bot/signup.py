"""The signup conversation: business name → city / time zone → BotFather token → owner.

The message with the token is deleted as soon as it is read (it is a secret); the token is
checked with `getMe` and kept only sealed. Rules live in `SignupFlow`; a refusal raises
`RuleViolation`, which the error router turns into a polite reply, and the step is asked again.
"""

from __future__ import annotations

import contextlib
import html

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from services.billing.bot import screens
from services.billing.bot.callbacks import OTHER_ZONE, Menu, OwnerPick, ZonePick
from services.billing.bot.common import show, user_id
from services.billing.bot.deps import SalesDeps
from services.billing.bot.states import SignupForm
from services.billing.use_cases.signup import parse_owner_id
from shared.errors import RuleViolation


async def _signup_id(state: FSMContext) -> str:
    signup_id = (await state.get_data()).get("signup_id")
    if not isinstance(signup_id, str):
        raise RuleViolation("signup_unknown")
    return signup_id


async def begin(
    callback: CallbackQuery, callback_data: Menu, state: FSMContext, sales: SalesDeps, locale: str
) -> None:
    buyer = user_id(callback)
    trial = callback_data.action == "trial"
    if trial and not await sales.trial.available(buyer):
        raise RuleViolation("trial_used")
    signup_id = await sales.flow.begin(buyer)
    await state.clear()
    await state.set_data({"signup_id": signup_id, "trial": trial})
    await state.set_state(SignupForm.name)
    await show(callback, sales.t(locale, "signup.ask_name", max=64))


async def name(message: Message, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    await sales.flow.set_name(await _signup_id(state), user_id(message), message.text or "")
    await state.set_state(SignupForm.zone)
    text, markup = screens.zones(sales, locale)
    await message.answer(text, reply_markup=markup)


async def _ask_token(message: Message, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    await state.set_state(SignupForm.token)
    await message.answer(sales.t(locale, "signup.ask_token"), disable_web_page_preview=True)


async def zone(
    callback: CallbackQuery,
    callback_data: ZonePick,
    state: FSMContext,
    sales: SalesDeps,
    locale: str,
) -> None:
    if callback_data.code == OTHER_ZONE:
        await state.set_state(SignupForm.custom_zone)
        await show(callback, sales.t(locale, "signup.ask_custom_zone"))
        return
    signup = await sales.flow.set_zone(
        await _signup_id(state), user_id(callback), callback_data.code
    )
    await show(callback, sales.t(locale, "signup.zone_set", city=signup.city, zone=signup.timezone))
    if isinstance(callback.message, Message):
        await _ask_token(callback.message, state, sales, locale)


async def custom_zone(message: Message, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    signup = await sales.flow.set_custom_zone(
        await _signup_id(state), user_id(message), message.text or ""
    )
    await message.answer(sales.t(locale, "signup.zone_custom_set", zone=signup.timezone))
    await _ask_token(message, state, sales, locale)


async def token(message: Message, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    raw = message.text or ""
    with contextlib.suppress(TelegramBadRequest):  # too old to delete, or already gone
        await message.delete()
    identity = await sales.flow.set_token(await _signup_id(state), user_id(message), raw)
    await state.set_state(SignupForm.owner)
    text, markup = screens.owner_question(sales, locale, identity.username)
    await message.answer(text, reply_markup=markup)


async def owner_me(
    callback: CallbackQuery, state: FSMContext, sales: SalesDeps, locale: str
) -> None:
    buyer = user_id(callback)
    await sales.flow.set_owner(await _signup_id(state), buyer, buyer)
    await show(callback, sales.t(locale, "signup.owner_me"))
    if isinstance(callback.message, Message):
        await ask_plan(callback.message, state, sales, locale, buyer)


async def owner_other(
    callback: CallbackQuery, state: FSMContext, sales: SalesDeps, locale: str
) -> None:
    await state.set_state(SignupForm.owner_other)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            sales.t(locale, "signup.ask_owner"), reply_markup=screens.owner_keyboard(sales, locale)
        )


async def owner_given(message: Message, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    buyer = user_id(message)
    if message.users_shared and message.users_shared.user_ids:
        owner = message.users_shared.user_ids[0]
    elif message.contact:
        if not message.contact.user_id:
            raise RuleViolation("owner_contact_without_id")
        owner = message.contact.user_id
    else:
        owner = parse_owner_id(message.text or "")
    await sales.flow.set_owner(await _signup_id(state), buyer, owner)
    await message.answer(
        sales.t(locale, "signup.owner_set", owner=html.escape(str(owner))),
        reply_markup=ReplyKeyboardRemove(),
    )
    await ask_plan(message, state, sales, locale, buyer)


async def ask_plan(
    message: Message, state: FSMContext, sales: SalesDeps, locale: str, buyer: int
) -> None:
    """The last step: a plan, or straight to the trial when that is what the buyer came for."""
    await state.set_state(SignupForm.plan)
    can_try = await sales.trial.available(buyer)
    if (await state.get_data()).get("trial") and can_try:
        signup_id = await _signup_id(state)
        await sales.trial(signup_id, buyer)
        await state.clear()
        await message.answer(sales.t(locale, "trial.started", days=sales.trial.days))
        return
    text, markup = screens.signup_plans(sales, locale, can_try=can_try)
    await message.answer(text, reply_markup=markup)


def router() -> Router:
    feature = Router(name="sales-signup")
    feature.callback_query.register(begin, Menu.filter(F.action.in_({"signup", "trial"})))
    feature.message.register(name, SignupForm.name, F.text)
    feature.callback_query.register(zone, SignupForm.zone, ZonePick.filter())
    feature.message.register(custom_zone, SignupForm.custom_zone, F.text)
    feature.message.register(token, SignupForm.token, F.text)
    feature.callback_query.register(owner_me, SignupForm.owner, OwnerPick.filter(F.who == "me"))
    feature.callback_query.register(
        owner_other, SignupForm.owner, OwnerPick.filter(F.who == "other")
    )
    feature.message.register(
        owner_given, SignupForm.owner_other, F.users_shared | F.contact | F.text
    )
    return feature
