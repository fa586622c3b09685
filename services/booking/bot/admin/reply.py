"""Showing admin screens: in place for a button, a new message after typed text, and asking
a question that waits for text."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

from services.booking.bot.replies import show
from services.booking.bot.screens import Screen


async def answer(message: Message, screen: Screen) -> None:
    await message.answer(screen.text, reply_markup=screen.markup)


async def ask(
    callback: CallbackQuery, state: FSMContext, wait_for: State, screen: Screen, **data: Any
) -> None:
    """Show the question in place and wait for the text (with what it is about)."""
    await state.set_state(wait_for)
    await state.set_data(data)
    await show(callback, screen)


async def done(message: Message, state: FSMContext, screen: Screen) -> None:
    """The typed answer was taken: leave the question and show the result."""
    await state.clear()
    await answer(message, screen)
