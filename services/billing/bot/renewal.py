"""Renewing a tenant: «Продлить» in the menu, or `RenewTenant` under an expiry warning.

Only the tenant's buyer or owner may renew it; `Purchase.renewable` checks that on the server
for every press (the tenant id in the button comes from the client).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.billing.bot import screens
from services.billing.bot.callbacks import Menu, RenewPlan
from services.billing.bot.common import show, user_id
from services.billing.bot.deps import SalesDeps
from services.billing.bot.purchase import proceed
from shared.callbacks import RenewTenant
from shared.errors import RuleViolation


async def renew_menu(callback: CallbackQuery, sales: SalesDeps, locale: str) -> None:
    tenants = await sales.purchase.renewable_tenants(user_id(callback))
    if not tenants:
        raise RuleViolation("nothing_to_renew")
    if len(tenants) == 1:
        await show(callback, *screens.renewal_plans(sales, locale, tenants[0]))
        return
    await show(callback, *screens.renewal_choice(sales, locale, tenants))


async def renew_tenant(
    callback: CallbackQuery, callback_data: RenewTenant, sales: SalesDeps, locale: str
) -> None:
    tenant = await sales.purchase.renewable(callback_data.tenant_id, user_id(callback))
    text, markup = screens.renewal_plans(sales, locale, tenant)
    await callback.answer()
    # Under notifier's warning the pressed message is not ours to rewrite: answer below it.
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=markup)


async def renew_plan(
    callback: CallbackQuery,
    callback_data: RenewPlan,
    state: FSMContext,
    sales: SalesDeps,
    locale: str,
) -> None:
    buyer = user_id(callback)
    order = await sales.purchase.renewal_order(callback_data.tenant_id, buyer, callback_data.code)
    plan = sales.purchase.plan(order.plan_code)
    await state.clear()
    await show(callback, sales.t(locale, "checkout.plan_chosen", plan=plan.title))
    if isinstance(callback.message, Message):
        await proceed(callback.message, state, sales, locale, order, buyer)


def router() -> Router:
    feature = Router(name="sales-renewal")
    feature.callback_query.register(renew_menu, Menu.filter(F.action == "renew"))
    feature.callback_query.register(renew_tenant, RenewTenant.filter())
    feature.callback_query.register(renew_plan, RenewPlan.filter())
    return feature
