"""Admin refusals answered politely: a button gets an alert (the screen stays), typed text a
reply (the question stays open, so the staff member can simply type again).

Registered on the admin router; the customer's error router comes first but does not know
`AdminError`, which is not a `RuleViolation`.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent

from services.booking.bot.admin.gate import refuse
from services.booking.bot.screens import Words
from services.booking.use_cases.admin.errors import AdminError, NotStaff


async def not_staff(event: ErrorEvent, words: Words, state: FSMContext) -> None:
    target = event.update.callback_query or event.update.message
    if target is not None:
        await refuse(target, words, state)


async def refused(event: ErrorEvent, words: Words) -> None:
    error = event.exception
    assert isinstance(error, AdminError)  # the filter guarantees it
    text = words(f"admin.error.{error.reason}", **error.values)
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


def router() -> Router:
    feature = Router(name="admin-errors")
    feature.errors.register(not_staff, ExceptionTypeFilter(NotStaff))
    feature.errors.register(refused, ExceptionTypeFilter(AdminError))
    return feature
