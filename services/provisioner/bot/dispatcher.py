"""Assembling the operator bot's Dispatcher: the operators-only gate, then the feature routers.

No FSM: the one two-step flow (delete, then confirm) carries its state in the callback data,
so any replica can answer the second step.
"""

from __future__ import annotations

from aiogram import Dispatcher

from services.provisioner.bot import actions, backups, commands, errors
from services.provisioner.bot.access import OperatorsOnly


def build_ops_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.update.outer_middleware(OperatorsOnly())
    dispatcher.include_router(errors.router())
    dispatcher.include_router(actions.router())
    dispatcher.include_router(backups.router())
    dispatcher.include_router(commands.router())
    return dispatcher
