"""The sales bot's screens: a text and its buttons, in the buyer's language."""

from __future__ import annotations

import calendar
import html
from datetime import date

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
)

from services.billing.bot.callbacks import (
    OTHER_ZONE,
    TRIAL_CODE,
    CheckPay,
    Menu,
    OwnerPick,
    PlanPick,
    RenewPlan,
    RetryPay,
    SaveCard,
    ZonePick,
)
from services.billing.bot.deps import SalesDeps
from services.billing.config import Plan
from services.billing.ports import TenantRecord
from services.billing.use_cases import COMMON_ZONES, CheckoutView
from shared.callbacks import RenewTenant
from shared.i18n import rubles

Screen = tuple[str, InlineKeyboardMarkup]
ZONES_PER_ROW = 2
REQUEST_OWNER_ID = 1


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _back(deps: SalesDeps, locale: str) -> list[InlineKeyboardButton]:
    return [_button(deps.t(locale, "btn.back"), Menu(action="home").pack())]


def welcome(deps: SalesDeps, locale: str, *, can_renew: bool, can_try: bool) -> Screen:
    rows = [
        [_button(deps.t(locale, "btn.how"), Menu(action="how").pack())],
        [_button(deps.t(locale, "btn.plans"), Menu(action="plans").pack())],
        [_button(deps.t(locale, "btn.signup"), Menu(action="signup").pack())],
    ]
    if can_renew:
        rows.append([_button(deps.t(locale, "btn.renew"), Menu(action="renew").pack())])
    if can_try:
        rows.append(
            [
                _button(
                    deps.t(locale, "btn.trial", days=deps.trial.days), Menu(action="trial").pack()
                )
            ]
        )
    return deps.t(locale, "start.pitch"), InlineKeyboardMarkup(inline_keyboard=rows)


def demo_calendar(today: date) -> str:
    """A month as the customer's calendar shows it, free days in brackets (a picture only)."""
    weeks = calendar.Calendar().monthdayscalendar(today.year, today.month)
    lines = ["Пн Вт Ср Чт Пт Сб Вс"]
    for week in weeks:
        cells = []
        for day in week:
            if day == 0:
                cells.append("  ")
            elif day >= today.day and day % 3 != 0:
                cells.append(f"{day:2d}")
            else:
                cells.append(" ·")
        lines.append(" ".join(cells))
    return "\n".join(lines)


def how_it_works(deps: SalesDeps, locale: str, today: date) -> Screen:
    text = deps.t(locale, "how.text", calendar=html.escape(demo_calendar(today)))
    return text, InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(deps.t(locale, "btn.signup"), Menu(action="signup").pack())],
            _back(deps, locale),
        ]
    )


def _plan_lines(deps: SalesDeps, locale: str, plans: tuple[Plan, ...]) -> str:
    lines = []
    for plan in plans:
        months = max(round(plan.period_days / 30), 1)
        lines.append(
            deps.t(
                locale,
                "plans.line",
                title=plan.title,
                price=rubles(plan.price_kopecks),
                monthly=rubles(plan.price_kopecks // months // 100 * 100),
            )
        )
    return "\n".join(lines)


def plans_catalogue(deps: SalesDeps, locale: str) -> Screen:
    text = deps.t(
        locale,
        "plans.text",
        lines=_plan_lines(deps, locale, deps.purchase.plans),
        days=deps.trial.days,
    )
    return text, InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(deps.t(locale, "btn.signup"), Menu(action="signup").pack())],
            _back(deps, locale),
        ]
    )


def zones(deps: SalesDeps, locale: str) -> Screen:
    buttons = [
        _button(deps.t(locale, f"tz.{z.code}"), ZonePick(code=z.code).pack()) for z in COMMON_ZONES
    ]
    rows = [buttons[i : i + ZONES_PER_ROW] for i in range(0, len(buttons), ZONES_PER_ROW)]
    rows.append([_button(deps.t(locale, "tz.other"), ZonePick(code=OTHER_ZONE).pack())])
    return deps.t(locale, "signup.ask_zone"), InlineKeyboardMarkup(inline_keyboard=rows)


def owner_question(deps: SalesDeps, locale: str, bot_username: str) -> Screen:
    return deps.t(
        locale, "signup.bot_ok", username=html.escape(bot_username)
    ), InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(deps.t(locale, "btn.owner_me"), OwnerPick(who="me").pack())],
            [_button(deps.t(locale, "btn.owner_other"), OwnerPick(who="other").pack())],
        ]
    )


def owner_keyboard(deps: SalesDeps, locale: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(
                    text=deps.t(locale, "btn.pick_owner"),
                    request_users=KeyboardButtonRequestUsers(
                        request_id=REQUEST_OWNER_ID, user_is_bot=False, max_quantity=1
                    ),
                )
            ]
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def signup_plans(deps: SalesDeps, locale: str, *, can_try: bool) -> Screen:
    rows = [
        [_button(f"{plan.title} — {rubles(plan.price_kopecks)}", PlanPick(code=plan.code).pack())]
        for plan in deps.purchase.plans
    ]
    if can_try:
        rows.append(
            [
                _button(
                    deps.t(locale, "btn.trial", days=deps.trial.days),
                    PlanPick(code=TRIAL_CODE).pack(),
                )
            ]
        )
    text = deps.t(locale, "signup.ask_plan", lines=_plan_lines(deps, locale, deps.purchase.plans))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def renewal_choice(deps: SalesDeps, locale: str, tenants: list[TenantRecord]) -> Screen:
    rows = [
        [
            _button(
                f"{t.business_name} (@{t.bot_username})", RenewTenant(tenant_id=t.tenant_id).pack()
            )
        ]
        for t in tenants
    ]
    rows.append(_back(deps, locale))
    return deps.t(locale, "renew.which"), InlineKeyboardMarkup(inline_keyboard=rows)


def renewal_plans(deps: SalesDeps, locale: str, tenant: TenantRecord) -> Screen:
    rows = [
        [
            _button(
                f"{plan.title} — {rubles(plan.price_kopecks)}",
                RenewPlan(tenant_id=tenant.tenant_id, code=plan.code).pack(),
            )
        ]
        for plan in deps.purchase.plans
    ]
    text = deps.t(
        locale,
        "renew.plans",
        name=html.escape(tenant.business_name),
        username=html.escape(tenant.bot_username),
        until=tenant.paid_until.strftime("%d.%m.%Y"),
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def save_card(deps: SalesDeps, locale: str) -> Screen:
    return deps.t(locale, "checkout.ask_save_card"), InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(deps.t(locale, "btn.yes"), SaveCard(save=True).pack()),
                _button(deps.t(locale, "btn.no"), SaveCard(save=False).pack()),
            ]
        ]
    )


def invoice(deps: SalesDeps, locale: str, view: CheckoutView) -> Screen:
    text = deps.t(
        locale, "checkout.invoice", plan=view.plan.title, price=rubles(view.amount_kopecks)
    )
    return text, InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=deps.t(locale, "btn.pay"), url=view.confirmation_url)],
            [_button(deps.t(locale, "btn.check"), CheckPay(payment_id=view.payment_id).pack())],
        ]
    )


def canceled(deps: SalesDeps, locale: str, payment_id: str) -> Screen:
    return deps.t(locale, "checkout.canceled"), InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(deps.t(locale, "btn.retry"), RetryPay(payment_id=payment_id).pack())]
        ]
    )
