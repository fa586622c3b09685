"""Publishing raw updates to JetStream, deduplicated by bot and update id."""

from __future__ import annotations

from services.gateway.ports import BotRoute
from shared.bus import Publisher


class JetStreamSink:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    async def publish(self, route: BotRoute, update_id: int, payload: bytes) -> None:
        await self._publisher.publish_raw(
            route.subject, payload, msg_id=f"{route.bot_key}:{update_id}"
        )
