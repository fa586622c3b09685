"""Win-back settings (`mkw`): per service, «напомнить о повторном визите через N дней» or off.
Owner and admins (the use cases refuse a master)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from services.booking.bot.admin.broadcasts import marketing_scope
from services.booking.bot.admin.marketing_callbacks import Winback
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.admin.screens import marketing as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import winback as use
from services.booking.use_cases.admin.marketing_ports import MarketingScope
from services.booking.use_cases.admin.ports import Staff


async def open_list(
    callback: CallbackQuery, staff: Staff, marketing: MarketingScope, words: Words
) -> None:
    await show(callback, screens.winback_list(words, await use.winbacks(marketing, staff)))


async def choose(
    callback: CallbackQuery,
    callback_data: Winback,
    staff: Staff,
    marketing: MarketingScope,
    words: Words,
) -> None:
    service = await use.choices(marketing, staff, callback_data.s)
    await show(callback, screens.winback_choices(words, service))


async def set_days(
    callback: CallbackQuery,
    callback_data: Winback,
    staff: Staff,
    marketing: MarketingScope,
    words: Words,
) -> None:
    days = callback_data.d or None
    services = await use.set_winback(marketing, staff, callback_data.s, days)
    await show(callback, screens.winback_list(words, services, words("admin.winback.saved")))


def router() -> Router:
    feature = Router(name="admin-winback")
    feature.callback_query.register(open_list, Winback.filter(F.s == 0))
    feature.callback_query.register(choose, Winback.filter(F.d == -1))
    feature.callback_query.register(set_days, Winback.filter())
    return with_scope(feature, "marketing", marketing_scope)
