"""Settings of the Telegram Bot API emulator."""

from __future__ import annotations

import msgspec


class TelegramSandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How the emulator behaves; one instance per app.

    Flood limits are strict sliding windows: within any ``1 / rate``-scaled window a bot may
    send at most ``per_bot_rate`` messages per second in total and ``per_chat_rate`` per chat,
    with no burst allowance.
    """

    public_base_url: str
    per_bot_rate: float = 30.0
    per_chat_rate: float = 1.0
    flood_limits: bool = True
    count_edits_per_chat: bool = True
    webhook_timeout: float = 10.0
    webhook_retry_base: float = 1.0
    webhook_retry_max_delay: float = 60.0
    webhook_max_attempts: int = 8
    max_pending_updates: int = 10_000
    max_log_per_bot: int = 10_000
    max_polling_timeout: float = 50.0
