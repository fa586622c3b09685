"""What the gateway's logic needs from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared.settings import Secret


@dataclass(frozen=True, slots=True)
class BotRoute:
    """Where one bot's updates go: its bus subject, and the key of its webhook secret."""

    bot_key: str
    subject: str
    token: Secret | None = None


class BotRegistry(Protocol):
    async def route(self, bot_key: str) -> BotRoute | None: ...


class UpdateSink(Protocol):
    async def publish(self, route: BotRoute, update_id: int, payload: bytes) -> None: ...


class SecretCheck(Protocol):
    def check_webhook_secret(self, bot_key: str, presented: str | None) -> bool: ...
