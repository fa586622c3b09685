"""The tenant bots' conversations: one aiogram Dispatcher for every tenant, routers per feature."""

from services.booking.bot.dispatcher import build_dispatcher, fsm_keys

__all__ = ["build_dispatcher", "fsm_keys"]
