"""A Telegram Bot API emulator for tests, benchmarks and the local demo.

``create_app`` builds the HTTP server (Bot API under ``/bot{token}/{method}``, a control API
under ``/sandbox`` and a small chat UI at ``/``); ``TelegramSandboxClient`` drives the control API.
"""

from sandbox.telegram.app import create_app
from sandbox.telegram.client import TelegramSandboxClient
from sandbox.telegram.config import TelegramSandboxConfig

__all__ = ["TelegramSandboxClient", "TelegramSandboxConfig", "create_app"]
