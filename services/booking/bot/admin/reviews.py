"""«Отзывы»: the reviews list with stars, comments and averages; the review-request delay."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.owner_callbacks import RevDelay, Reviews
from services.booking.bot.admin.owner_scope import with_owner
from services.booking.bot.admin.owner_states import OwnerInput
from services.booking.bot.admin.reply import answer
from services.booking.bot.admin.screens import owner as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.owner import reviews
from services.booking.use_cases.owner.ports import OwnerScope


async def listing(
    callback: CallbackQuery,
    callback_data: Reviews,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    view = await reviews.page(owner, staff, callback_data.p)
    await show(callback, screens.reviews(words, view))


async def ask_delay(callback: CallbackQuery, state: FSMContext, staff: Staff, words: Words) -> None:
    require_manager(staff, "settings")
    await state.set_state(OwnerInput.review_delay)
    await show(callback, screens.ask_delay(words))


async def typed_delay(
    message: Message,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    await reviews.set_delay(owner, staff, message.text or "")
    await state.clear()
    view = await reviews.page(owner, staff, 0)
    await answer(message, screens.reviews(words, view, notice=words("admin.reviews.delay_saved")))


def router() -> Router:
    feature = Router(name="owner-reviews")
    feature.callback_query.register(listing, Reviews.filter())
    feature.callback_query.register(ask_delay, RevDelay.filter())
    feature.message.register(typed_delay, StateFilter(OwnerInput.review_delay), F.text)
    return with_owner(feature)
