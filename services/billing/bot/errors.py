"""Refusals and outages become polite replies; stale buttons and stray texts get a hint.

A `RuleViolation`'s reason names the text (`err.<reason>`), its details fill it in. A
callback gets an alert; a message gets a reply, and the conversation stays on the same step,
so the buyer simply answers again.
"""

from __future__ import annotations

import contextlib
import logging

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message, User

from services.billing.adapters.yookassa_api import YooKassaRejected, YooKassaUnavailable
from services.billing.bot.deps import SalesDeps
from services.billing.use_cases.signup import TOKEN_PATTERN
from shared.errors import RuleViolation, TransientError

log = logging.getLogger(__name__)


def _user(event: ErrorEvent) -> User | None:
    update = event.update
    if update.callback_query:
        return update.callback_query.from_user
    if update.message:
        return update.message.from_user
    return None


async def _reply(event: ErrorEvent, text: str) -> None:
    update = event.update
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message:
        await update.message.answer(text)


async def on_rule(event: ErrorEvent, sales: SalesDeps) -> None:
    error = event.exception
    assert isinstance(error, RuleViolation)
    user = _user(event)
    locale = sales.texts.locale_for(user.language_code if user else None)
    log.info("sales bot refused: %s", error.reason)
    await _reply(event, sales.t(locale, f"err.{error.reason}", **error.details))


async def on_outage(event: ErrorEvent, sales: SalesDeps) -> None:
    user = _user(event)
    locale = sales.texts.locale_for(user.language_code if user else None)
    log.warning("sales bot step failed for now: %r", event.exception)
    await _reply(event, sales.t(locale, "err.unavailable"))


async def stale_button(callback: CallbackQuery, sales: SalesDeps, locale: str) -> None:
    await callback.answer(sales.t(locale, "err.stale_button"), show_alert=True)


async def stray_message(message: Message, sales: SalesDeps, locale: str) -> None:
    if message.text and TOKEN_PATTERN.search(message.text):
        # A bot token sent outside the token step is still a secret: do not leave it there.
        with contextlib.suppress(TelegramBadRequest):
            await message.delete()
    await message.answer(sales.t(locale, "err.use_start"))


def router() -> Router:
    feature = Router(name="sales-errors")
    feature.errors.register(on_rule, ExceptionTypeFilter(RuleViolation))
    feature.errors.register(
        on_outage, ExceptionTypeFilter(TransientError, YooKassaUnavailable, YooKassaRejected)
    )
    return feature


def fallback_router() -> Router:
    """Included last: whatever no feature took."""
    feature = Router(name="sales-fallback")
    feature.callback_query.register(stale_button)
    feature.message.register(stray_message)
    return feature
