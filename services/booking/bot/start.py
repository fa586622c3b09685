"""`/start`: greet the customer with the business's name and show the main menu."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from services.booking.adapters.business_repo import business_profile
from services.booking.context import BookingDeps, TenantContext
from shared.db import tenant_tx

def main_menu(deps: BookingDeps, locale: str) -> InlineKeyboardMarkup:
    text = deps.texts.text
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text(locale, "menu.book"), callback_data="menu:book")],
            [InlineKeyboardButton(text=text(locale, "menu.my"), callback_data="menu:my")],
            [InlineKeyboardButton(text=text(locale, "menu.about"), callback_data="menu:about")],
        ]
    )


async def start(message: Message, tenant: TenantContext, deps: BookingDeps) -> None:
    async with tenant_tx(deps.pool, tenant.tenant_id) as conn:
        profile = await business_profile(conn)
    locale = deps.texts.locale_for(message.from_user.language_code if message.from_user else None)
    await message.answer(
        deps.texts.text(locale, "start.welcome", name=profile.name),
        reply_markup=main_menu(deps, locale),
    )


def router() -> Router:
    feature = Router(name="start")
    feature.message.register(start, CommandStart())
    return feature
