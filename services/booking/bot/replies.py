"""Showing a screen: edit the pressed message in place, or send one when editing is not possible."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from services.booking.bot.screens import Screen

_NOT_MODIFIED = "message is not modified"


async def show(
    callback: CallbackQuery, screen: Screen, *, notice: str | None = None, alert: bool = False
) -> None:
    """Answer the button (with an optional toast or alert) and replace its message."""
    await callback.answer(notice, show_alert=alert)
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        try:
            await message.edit_text(screen.text, reply_markup=screen.markup)
        except TelegramBadRequest as error:
            if _NOT_MODIFIED not in error.message:
                await send(callback, screen)
        return
    await send(callback, screen)


async def send(callback: CallbackQuery, screen: Screen) -> None:
    """A new message in the customer's chat (under a reminder, which stays as it is)."""
    if callback.bot is not None:
        await callback.bot.send_message(
            callback.from_user.id, screen.text, reply_markup=screen.markup
        )


async def notify(callback: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Only a toast (or an alert) over the pressed button; the message stays."""
    await callback.answer(text, show_alert=alert)
