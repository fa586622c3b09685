"""The emulator's app factory: one Litestar app, all state on the instance, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Response
from litestar.di import Provide

from sandbox.telegram.botapi_routes import bot_api, download_file
from sandbox.telegram.config import TelegramSandboxConfig
from sandbox.telegram.context import Services
from sandbox.telegram.control_routes import ControlController
from sandbox.telegram.delivery import UpdateDispatcher
from sandbox.telegram.errors import ControlError
from sandbox.telegram.flood import FloodControl
from sandbox.telegram.state import SandboxState
from sandbox.telegram.ui_routes import botfather, chat_page, index
from sandbox.telegram.user_actions import UserActions


def _control_error(_: Request[Any, Any, Any], error: ControlError) -> Response[dict[str, str]]:
    return Response({"error": error.detail}, status_code=error.status)


def create_app(config: TelegramSandboxConfig) -> Litestar:
    state = SandboxState()
    for username, token in config.preset_bots:
        state.create_bot(username, username, token)
    dispatcher = UpdateDispatcher(state, config)
    flood = FloodControl(
        config.per_bot_rate,
        config.per_chat_rate,
        per_chat_burst=config.per_chat_burst,
        enabled=config.flood_limits,
    )
    services = Services(config=config, state=state, flood=flood, dispatcher=dispatcher)
    actions = UserActions(services)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await dispatcher.start()
        try:
            yield
        finally:
            await dispatcher.aclose()

    def provide_services() -> Services:
        return services

    def provide_actions() -> UserActions:
        return actions

    return Litestar(
        route_handlers=[ControlController, bot_api, download_file, index, chat_page, botfather],
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "actions": Provide(provide_actions, sync_to_thread=False),
        },
        exception_handlers={ControlError: _control_error},
        lifespan=[lifespan],
        openapi_config=None,
        debug=False,
    )
