"""The emulator's app factory: one YooKassaSandbox per app, nothing global."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide

from sandbox.yookassa.api import YooKassaApiController
from sandbox.yookassa.checkout import CheckoutController
from sandbox.yookassa.config import YooKassaSandboxConfig
from sandbox.yookassa.control import ControlController
from sandbox.yookassa.errors import YooKassaError, error_response
from sandbox.yookassa.service import YooKassaSandbox


def create_app(config: YooKassaSandboxConfig) -> Litestar:
    """A YooKassa API emulator; its state lives on ``app.state.sandbox``."""
    sandbox = YooKassaSandbox(config)

    def provide_sandbox() -> YooKassaSandbox:
        return sandbox

    app = Litestar(
        route_handlers=[YooKassaApiController, CheckoutController, ControlController],
        dependencies={"sandbox": Provide(provide_sandbox, sync_to_thread=False)},
        exception_handlers={YooKassaError: error_response},
        on_startup=[sandbox.notifier.start],
        on_shutdown=[sandbox.notifier.stop],
        openapi_config=None,
    )
    app.state.sandbox = sandbox
    return app
