"""A YooKassa API emulator (payments, Idempotence-Key, a checkout page, notifications)."""

from sandbox.yookassa.app import create_app
from sandbox.yookassa.client import YooKassaSandboxClient
from sandbox.yookassa.config import NotificationRetryPolicy, YooKassaSandboxConfig

__all__ = [
    "NotificationRetryPolicy",
    "YooKassaSandboxClient",
    "YooKassaSandboxConfig",
    "create_app",
]
