"""The tenant bots' conversations: one aiogram Dispatcher for every tenant, routers per feature."""

from services.booking.bot.dispatcher import build_dispatcher

__all__ = ["build_dispatcher"]
