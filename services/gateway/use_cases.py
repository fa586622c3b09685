"""Accepting one Telegram update: check who sent it, that it is an update, and publish it.

The gateway never interprets an update's meaning; it only makes sure it is well-formed
enough to carry (`update_id` is needed for deduplication) and came from the right bot.
`admit` checks the sender before the body is read (a stranger's body is never read), then
`publish` stores the body; `__call__` does both.
"""

from __future__ import annotations

import msgspec

from services.gateway.ports import BotRegistry, BotRoute, SecretCheck, UpdateSink
from shared.errors import AppError, Forbidden, TenantUnknown


class BadUpdate(AppError):
    """The body is not a Telegram update."""


class _UpdateHead(msgspec.Struct):
    update_id: int


_head_decoder = msgspec.json.Decoder(_UpdateHead)


def update_id_of(payload: bytes) -> int:
    try:
        head = _head_decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise BadUpdate(f"not a Telegram update: {error}") from None
    if head.update_id < 0:
        raise BadUpdate("update_id must not be negative")
    return head.update_id


class AcceptUpdate:
    def __init__(self, registry: BotRegistry, sink: UpdateSink, secrets: SecretCheck) -> None:
        self._registry = registry
        self._sink = sink
        self._secrets = secrets

    async def __call__(self, bot_key: str, secret: str | None, payload: bytes) -> int:
        """Publish the update; returns its id. Raises Forbidden, TenantUnknown, BadUpdate,
        or TransientError when the stream did not store it (Telegram must retry)."""
        return await self.publish(await self.admit(bot_key, secret), payload)

    async def admit(self, bot_key: str, secret: str | None) -> BotRoute:
        """The bot's route when `secret` is its webhook secret (under the current or a
        previous platform key). Raises Forbidden (also for a missing, non-ASCII or overlong
        header) or TenantUnknown."""
        if not self._secrets.check_webhook_secret(bot_key, secret):
            raise Forbidden("wrong webhook secret")
        route = await self._registry.route(bot_key)
        if route is None:
            raise TenantUnknown(bot_key)
        return route

    async def publish(self, route: BotRoute, payload: bytes) -> int:
        """Store the update; returns its id. Raises BadUpdate or TransientError."""
        update_id = update_id_of(payload)
        await self._sink.publish(route, update_id, payload)
        return update_id
