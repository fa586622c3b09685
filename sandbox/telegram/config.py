"""Settings of the Telegram Bot API emulator."""

from __future__ import annotations

import msgspec


class TelegramSandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How the emulator behaves; one instance per app.

    Flood limits are sliding windows: a bot may send at most ``per_bot_rate`` messages per
    second in total, and ``per_chat_rate`` per second on average to one chat, where a chat
    may take ``per_chat_burst`` messages at once (Telegram tolerates a short burst of
    interactive replies; sustained sending to one chat is what it limits). Edits count per
    chat only when ``count_edits_per_chat`` is set.
    """

    public_base_url: str
    per_bot_rate: float = 30.0
    per_chat_rate: float = 1.0
    per_chat_burst: int = 3
    flood_limits: bool = True
    count_edits_per_chat: bool = False
    webhook_timeout: float = 10.0
    webhook_retry_base: float = 1.0
    webhook_retry_max_delay: float = 60.0
    webhook_max_attempts: int = 8
    max_pending_updates: int = 10_000
    max_log_per_bot: int = 10_000
    max_polling_timeout: float = 50.0
    preset_bots: tuple[tuple[str, str], ...] = ()  # (username, token) pairs made at start
