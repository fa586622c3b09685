"""Long polling for bots without a public webhook URL (the sandbox's default).

One task per polled bot. The offset advances only after the stream stored an update, so a
crash or a NATS outage loses nothing: the next `getUpdates` returns the same updates again.
The loop is supervised: an update that is not a Telegram update is logged and skipped (the
bot keeps being polled), a NATS outage is retried every 2 s at most, a Bot API failure with a
backoff capped at 30 s, and anything unexpected is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import msgspec

from services.gateway.adapters.nats_sink import JetStreamSink
from services.gateway.ports import BotRoute
from services.gateway.use_cases import BadUpdate, update_id_of
from shared.errors import TransientError

log = logging.getLogger(__name__)

SINK_RETRY_MAX_SECONDS = 2.0
API_RETRY_MAX_SECONDS = 30.0


class _GetUpdates(msgspec.Struct):
    ok: bool
    result: list[msgspec.Raw] = []
    description: str = ""


class Poller:
    def __init__(self, *, api_base: str, sink: JetStreamSink, timeout_seconds: int) -> None:
        self._api_base = api_base
        self._sink = sink
        self._timeout = timeout_seconds
        self._client = httpx.AsyncClient(timeout=timeout_seconds + 10)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def polled(self) -> set[str]:
        return set(self._tasks)

    def start(self, route: BotRoute) -> None:
        if route.bot_key in self._tasks or route.token is None:
            return
        self._tasks[route.bot_key] = asyncio.create_task(
            self._loop(route), name=f"poll:{route.bot_key}"
        )

    def stop(self, bot_key: str) -> None:
        task = self._tasks.pop(bot_key, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        for key in list(self._tasks):
            self.stop(key)
        await self._client.aclose()

    async def _loop(self, route: BotRoute) -> None:
        assert route.token is not None
        url = f"{self._api_base}/bot{route.token.reveal()}/getUpdates"
        offset = 0
        failures = 0
        while True:
            try:
                offset = await self._poll_once(url, route, offset)
                failures = 0
                continue
            except asyncio.CancelledError:
                raise
            except TransientError as error:  # NATS away: come back quickly once it is up
                failures += 1
                delay = min(SINK_RETRY_MAX_SECONDS, 0.25 * 2**failures)
                log.warning("polling %s: %s; retrying in %.1fs", route.bot_key, error, delay)
            except (httpx.HTTPError, msgspec.DecodeError) as error:
                failures += 1
                delay = min(API_RETRY_MAX_SECONDS, 0.5 * 2**failures)
                log.warning(
                    "polling %s failed (%s); retrying in %.1fs",
                    route.bot_key,
                    type(error).__name__,
                    delay,
                )
            except Exception:
                failures += 1
                delay = min(API_RETRY_MAX_SECONDS, 0.5 * 2**failures)
                log.exception("polling %s broke; going on in %.1fs", route.bot_key, delay)
            await asyncio.sleep(delay)

    async def _poll_once(self, url: str, route: BotRoute, offset: int) -> int:
        response = await self._client.get(url, params={"offset": offset, "timeout": self._timeout})
        answer = msgspec.json.decode(response.content, type=_GetUpdates)
        if not answer.ok:
            raise TransientError(
                f"getUpdates refused ({response.status_code}): {answer.description}"
            )
        for raw in answer.result:
            payload = bytes(raw)
            try:
                update_id = update_id_of(payload)
            except BadUpdate as error:
                # Confirmed with the next offset (Telegram confirms every id below it).
                log.warning("skipping a malformed update of %s: %s", route.bot_key, error)
                continue
            await self._sink.publish(route, update_id, payload)
            offset = max(offset, update_id + 1)
        return offset
