"""Getting updates to bots: a queue for getUpdates, or webhook POSTs with retries in order."""

from __future__ import annotations

import asyncio
import logging

import httpx
import msgspec

from sandbox.telegram.config import TelegramSandboxConfig
from sandbox.telegram.models import DeliveryResult
from sandbox.telegram.objects import Update
from sandbox.telegram.state import Bot, SandboxState, unix_now

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class UpdateDispatcher:
    """Delivers each bot's updates in order; a retry task exists only while a webhook fails."""

    def __init__(self, state: SandboxState, config: TelegramSandboxConfig) -> None:
        self._state = state
        self._config = config
        self._http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Open the one HTTP client every webhook POST shares (called from the app lifespan)."""
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        self._http = httpx.AsyncClient(limits=limits, follow_redirects=False)

    async def dispatch(self, bot: Bot, update: Update) -> DeliveryResult:
        self._state.stats.updates_created += 1
        if bot.allowed_updates and update.kind not in bot.allowed_updates:
            return DeliveryResult(update_id=update.update_id, delivery="filtered")
        bot.pending.append(update)
        while len(bot.pending) > self._config.max_pending_updates:
            bot.pending.popleft()
        bot.updates_signal.notify()
        if not bot.webhook_url:
            return DeliveryResult(update_id=update.update_id, delivery="queued")
        if bot.delivery_lock is None:
            bot.delivery_lock = asyncio.Lock()
        async with bot.delivery_lock:
            if not bot.webhook_url:
                return DeliveryResult(update_id=update.update_id, delivery="queued")
            if bot.retry_task is None and bot.pending and bot.pending[0] is update:
                status = await self._attempt(bot, update)
                if _succeeded(status):
                    bot.pending.popleft()
                else:
                    self._start_drain(bot, failed=True)
                return DeliveryResult(
                    update_id=update.update_id, delivery="webhook", webhook_status=status
                )
            waiter = self._queue_behind(bot, update)
        status = None if waiter is None else await waiter
        return DeliveryResult(update_id=update.update_id, delivery="webhook", webhook_status=status)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _queue_behind(self, bot: Bot, update: Update) -> asyncio.Future[int | None] | None:
        """A future of this update's first attempt while earlier ones are being delivered.

        ``None`` when the backlog is backing off after failures: the caller then learns only
        that the update waits its turn, instead of waiting through the backoff.
        """
        self.drain(bot)
        if bot.backing_off or bot.retry_task is None:
            return None
        waiter: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        bot.attempt_waiters[update.update_id] = waiter
        return waiter

    def drain(self, bot: Bot) -> None:
        """Deliver a backlog (e.g. after setWebhook) in the background unless already doing so."""
        if bot.webhook_url and bot.pending and bot.retry_task is None:
            self._start_drain(bot, failed=False)

    def _start_drain(self, bot: Bot, *, failed: bool) -> None:
        if bot.delivery_lock is None:
            bot.delivery_lock = asyncio.Lock()
        bot.backing_off = failed
        task = asyncio.create_task(self._retry(bot, failed=failed), name=f"webhook-{bot.id}")
        bot.retry_task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retry(self, bot: Bot, *, failed: bool) -> None:
        delay = self._config.webhook_retry_base
        attempts = 1 if failed else 0
        try:
            while bot.pending and bot.webhook_url and bot.delivery_lock is not None:
                if failed:
                    await asyncio.sleep(delay)
                async with bot.delivery_lock:
                    if not bot.pending or not bot.webhook_url:
                        break
                    update = bot.pending[0]
                    status = await self._attempt(bot, update)
                    failed = not _succeeded(status)
                    attempts += 1
                    bot.backing_off = failed
                    if not failed or attempts >= self._config.webhook_max_attempts:
                        if failed:
                            logger.warning(
                                "dropping update %s of bot %s after %s webhook attempts",
                                update.update_id,
                                bot.id,
                                attempts,
                            )
                        bot.pending.popleft()
                        attempts = 0
                        delay = self._config.webhook_retry_base
                    else:
                        delay = min(delay * 2, self._config.webhook_retry_max_delay)
                    _resolve(bot, update.update_id, status, everyone=failed)
        finally:
            bot.retry_task = None
            bot.backing_off = False
            _resolve(bot, None, None, everyone=True)

    async def _attempt(self, bot: Bot, update: Update) -> int | None:
        if self._http is None:
            msg = "UpdateDispatcher.start() was not called"
            raise RuntimeError(msg)
        headers = {"Content-Type": "application/json"}
        if bot.webhook_secret:
            headers[SECRET_HEADER] = bot.webhook_secret
        try:
            response = await self._http.post(
                bot.webhook_url,
                content=msgspec.json.encode(update),
                headers=headers,
                timeout=self._config.webhook_timeout,
            )
        except httpx.TimeoutException:
            self._failed(bot, "Read timeout expired")
            return None
        except httpx.HTTPError as error:
            self._failed(bot, f"Connection failed: {type(error).__name__}")
            return None
        if _succeeded(response.status_code):
            self._state.stats.updates_delivered += 1
        else:
            phrase = response.reason_phrase or ""
            self._failed(bot, f"Wrong response from the webhook: {response.status_code} {phrase}")
        return response.status_code

    def _failed(self, bot: Bot, message: str) -> None:
        self._state.stats.webhook_failures += 1
        bot.last_error_date = unix_now()
        bot.last_error_message = message.strip()


def _resolve(bot: Bot, update_id: int | None, status: int | None, *, everyone: bool) -> None:
    """Tell callers waiting on a first attempt how it went (``None``: it waits behind a failure)."""
    waiter = bot.attempt_waiters.pop(update_id, None) if update_id is not None else None
    if waiter is not None and not waiter.done():
        waiter.set_result(status)
    if everyone:
        for waiter in bot.attempt_waiters.values():
            if not waiter.done():
                waiter.set_result(None)
        bot.attempt_waiters.clear()


def _succeeded(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
