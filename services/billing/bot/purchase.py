"""Choosing a plan (or the trial), the receipt and save-card questions, paying, checking.

The `Order` being asked about waits in the FSM data; `Purchase` decides what to ask and
re-checks everything before YooKassa is called. «Проверить оплату» asks YooKassa and records a
settled payment exactly as the webhook does.
"""

from __future__ import annotations

import msgspec
from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.billing.bot import screens
from services.billing.bot.callbacks import TRIAL_CODE, CheckPay, PlanPick, RetryPay, SaveCard
from services.billing.bot.common import show, user_id
from services.billing.bot.deps import SalesDeps
from services.billing.bot.states import CheckoutForm, SignupForm
from services.billing.use_cases import Order
from shared.errors import RuleViolation


async def proceed(
    message: Message, state: FSMContext, sales: SalesDeps, locale: str, order: Order, buyer: int
) -> None:
    """Ask the next question of the order, or create the payment and show «Оплатить»."""
    question = sales.purchase.next_question(order)
    if question is not None:
        await state.update_data(order=msgspec.to_builtins(order))
    if question == "email":
        await state.set_state(CheckoutForm.email)
        await message.answer(sales.t(locale, "checkout.ask_email"))
        return
    if question == "save_card":
        await state.set_state(CheckoutForm.save_card)
        text, markup = screens.save_card(sales, locale)
        await message.answer(text, reply_markup=markup)
        return
    view = await sales.purchase.pay(order, buyer)
    if order.purpose == "new":
        # Back on the plan step: the same plan again shows the same payment, another one a new.
        await state.set_state(SignupForm.plan)
    else:
        await state.clear()
    text, markup = screens.invoice(sales, locale, view)
    await message.answer(text, reply_markup=markup)


async def _order(state: FSMContext) -> Order:
    raw = (await state.get_data()).get("order")
    try:
        return msgspec.convert(raw, Order)
    except msgspec.ValidationError:
        raise RuleViolation("signup_unknown") from None


async def plan_picked(
    callback: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    sales: SalesDeps,
    locale: str,
) -> None:
    buyer = user_id(callback)
    signup_id = (await state.get_data()).get("signup_id")
    if not isinstance(signup_id, str):
        raise RuleViolation("signup_unknown")
    if callback_data.code == TRIAL_CODE:
        await sales.trial(signup_id, buyer)
        await state.clear()
        await show(callback, sales.t(locale, "trial.started", days=sales.trial.days))
        return
    order = await sales.purchase.new_order(signup_id, buyer, callback_data.code)
    plan = sales.purchase.plan(order.plan_code)
    await callback.answer(sales.t(locale, "checkout.plan_chosen", plan=plan.title))
    if isinstance(callback.message, Message):
        await proceed(callback.message, state, sales, locale, order, buyer)


async def email_given(message: Message, state: FSMContext, sales: SalesDeps, locale: str) -> None:
    order = sales.purchase.with_email(await _order(state), message.text or "")
    await proceed(message, state, sales, locale, order, user_id(message))


async def card_answered(
    callback: CallbackQuery,
    callback_data: SaveCard,
    state: FSMContext,
    sales: SalesDeps,
    locale: str,
) -> None:
    order = msgspec.structs.replace(await _order(state), save_card=callback_data.save)
    key = "checkout.card_saved" if callback_data.save else "checkout.card_not_saved"
    await show(callback, sales.t(locale, key))
    if isinstance(callback.message, Message):
        await proceed(callback.message, state, sales, locale, order, user_id(callback))


async def check(
    callback: CallbackQuery, callback_data: CheckPay, sales: SalesDeps, locale: str
) -> None:
    result = await sales.check(callback_data.payment_id, user_id(callback))
    if result.state == "succeeded":
        key = "checkout.paid_new" if result.purpose == "new" else "checkout.paid_renewal"
        await show(callback, sales.t(locale, key))
    elif result.state == "canceled":
        await show(callback, *screens.canceled(sales, locale, callback_data.payment_id))
    else:
        await callback.answer(sales.t(locale, "checkout.pending"), show_alert=True)


async def retry(
    callback: CallbackQuery,
    callback_data: RetryPay,
    state: FSMContext,
    sales: SalesDeps,
    locale: str,
) -> None:
    buyer = user_id(callback)
    order = await sales.purchase.retry(callback_data.payment_id, buyer)
    await show(callback, sales.t(locale, "checkout.retrying"))
    if isinstance(callback.message, Message):
        await proceed(callback.message, state, sales, locale, order, buyer)


def router() -> Router:
    feature = Router(name="sales-purchase")
    feature.callback_query.register(plan_picked, SignupForm.plan, PlanPick.filter())
    feature.message.register(email_given, CheckoutForm.email, F.text)
    feature.callback_query.register(card_answered, CheckoutForm.save_card, SaveCard.filter())
    feature.callback_query.register(check, CheckPay.filter())
    feature.callback_query.register(retry, RetryPay.filter())
    return feature
