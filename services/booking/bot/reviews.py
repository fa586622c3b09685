"""Stars under notifier's review request, then an optional comment («Пропустить»)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.callbacks import SkipComment
from services.booking.bot.replies import show
from services.booking.bot.screens import Screen, Words
from services.booking.bot.screens.common import button
from services.booking.bot.states import Review
from services.booking.use_cases import visits
from services.booking.use_cases.ports import Scope
from shared.callbacks import ReviewStars


async def stars(
    callback: CallbackQuery,
    callback_data: ReviewStars,
    state: FSMContext,
    scope: Scope,
    words: Words,
) -> None:
    await visits.rate_visit(
        scope,
        telegram_id=callback.from_user.id,
        booking_id=callback_data.booking_id,
        stars=callback_data.stars,
    )
    await state.set_state(Review.comment)
    await state.update_data(booking_id=callback_data.booking_id)
    skip = button(words("review.skip"), SkipComment(b=callback_data.booking_id).pack())
    text = words("review.ask_comment", stars="★" * callback_data.stars)
    await show(callback, Screen(text, [[skip]]))


async def skip(callback: CallbackQuery, state: FSMContext, words: Words) -> None:
    await state.clear()
    await show(callback, Screen(words("review.thanks")))


async def comment(message: Message, state: FSMContext, scope: Scope, words: Words) -> None:
    booking_id = (await state.get_data()).get("booking_id")
    await state.clear()
    if isinstance(booking_id, int):
        await visits.comment_visit(
            scope, telegram_id=message.chat.id, booking_id=booking_id, comment=message.text or ""
        )
    await message.answer(words("review.thanks"))


def router() -> Router:
    feature = Router(name="reviews")
    feature.callback_query.register(stars, ReviewStars.filter())
    feature.callback_query.register(skip, SkipComment.filter())
    feature.message.register(comment, StateFilter(Review.comment), F.text & ~F.text.startswith("/"))
    return feature
