"""The owner's audit log (`axa`): newest first, one person's entries or everyone's, paged."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from services.booking.bot.admin.client_callbacks import Audit
from services.booking.bot.admin.screens import audit as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.ports import AdminScope, Staff


async def open_log(
    callback: CallbackQuery,
    callback_data: Audit,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    found = await audit.page(admin, staff, person=callback_data.s, number=callback_data.p)
    await show(callback, screens.audit_page(words, found))


def router() -> Router:
    feature = Router(name="admin-audit")
    feature.callback_query.register(open_log, Audit.filter())
    return feature
