"""What the customer sees: each function turns a use case's result into text and buttons."""

from services.booking.bot.screens.common import Screen, Words, esc

__all__ = ["Screen", "Words", "esc"]
