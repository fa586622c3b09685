"""Posting notifications to the shop's URL, with bounded retries in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import httpx
import msgspec

from sandbox.yookassa.config import NotificationRetryPolicy
from sandbox.yookassa.objects import Notification, NotificationAttempt, Payment, Refund
from sandbox.yookassa.store import iso_now

logger = logging.getLogger(__name__)


class Notifier:
    """Delivers ``{"type": "notification", "event", "object"}`` and logs every attempt.

    Each shop may have its own URL (``url`` of a call); without one the default is used."""

    def __init__(self, url: str | None, policy: NotificationRetryPolicy) -> None:
        self._url = url
        self._policy = policy
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.attempts: list[NotificationAttempt] = []

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self._policy.timeout)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, event: str, obj: Payment | Refund, url: str | None = None) -> int | None:
        """Make the first attempt now, schedule retries if it failed; the first status code."""
        target = url or self._url
        if target is None:
            return None
        body = msgspec.json.encode(Notification(type="notification", event=event, object=obj))
        status = await self._attempt(target, event, obj, body, 1)
        if not _delivered(status) and self._policy.max_attempts > 1:
            self._spawn(self._retry(target, event, obj, body, 2))
        return status

    def send_later(self, event: str, obj: Payment | Refund, url: str | None = None) -> None:
        """Deliver in the background (events YooKassa raises on its own, e.g. autopayments)."""
        target = url or self._url
        if target is not None:
            body = msgspec.json.encode(Notification(type="notification", event=event, object=obj))
            self._spawn(self._retry(target, event, obj, body, 1))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retry(
        self, url: str, event: str, obj: Payment | Refund, body: bytes, first: int
    ) -> None:
        for attempt in range(first, self._policy.max_attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._policy.delay_before(attempt))
            if _delivered(await self._attempt(url, event, obj, body, attempt)):
                return
        logger.warning("notification %s for %s was not delivered, giving up", event, obj.id)

    async def _attempt(
        self, url: str, event: str, obj: Payment | Refund, body: bytes, attempt: int
    ) -> int | None:
        if self._client is None:
            raise RuntimeError("the notifier is not started")
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(
                url, content=body, headers={"Content-Type": "application/json"}
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.attempts.append(
            NotificationAttempt(
                event=event,
                payment_id=obj.payment_id if isinstance(obj, Refund) else obj.id,
                object_id=obj.id,
                attempt=attempt,
                status_code=status,
                error=error,
                at=iso_now(),
            )
        )
        return status


def _delivered(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
