"""Telegram's flood limits: strict sliding windows per bot and per chat."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from sandbox.telegram.errors import BotApiError

_SWEEP_EVERY = 1024
_K = TypeVar("_K")


class _Window:
    """At most ``capacity`` events in any ``length``-second window."""

    __slots__ = ("capacity", "length")

    def __init__(self, rate: float, burst: int | None = None) -> None:
        self.capacity = max(1, burst if burst is not None else math.floor(rate))
        self.length = self.capacity / rate

    def wait_needed(self, stamps: deque[float], now: float) -> float:
        while stamps and stamps[0] <= now - self.length:
            stamps.popleft()
        if len(stamps) < self.capacity:
            return 0.0
        return stamps[0] + self.length - now


class FloodControl:
    """Answers 429 with ``retry_after`` once a bot or one of its chats goes over its rate."""

    def __init__(
        self,
        per_bot_rate: float,
        per_chat_rate: float,
        *,
        per_chat_burst: int | None = None,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = _Window(per_bot_rate)
        self._chat = _Window(per_chat_rate, per_chat_burst)
        self._enabled = enabled
        self._clock = clock
        self._bot_stamps: dict[int, deque[float]] = {}
        self._chat_stamps: dict[tuple[int, int], deque[float]] = {}
        self._checks = 0

    def acquire(self, bot_id: int, chat_id: int, *, counts_for_bot: bool = True) -> None:
        """Record one message or raise :class:`BotApiError` 429 without recording it."""
        if not self._enabled:
            return
        now = self._clock()
        self._maybe_sweep(now)
        chat_stamps = self._chat_stamps.setdefault((bot_id, chat_id), deque())
        wait = self._chat.wait_needed(chat_stamps, now)
        bot_stamps: deque[float] | None = None
        if counts_for_bot:
            bot_stamps = self._bot_stamps.setdefault(bot_id, deque())
            wait = max(wait, self._bot.wait_needed(bot_stamps, now))
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise BotApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        chat_stamps.append(now)
        if bot_stamps is not None:
            bot_stamps.append(now)

    def _maybe_sweep(self, now: float) -> None:
        """Forget idle keys now and then so memory follows activity, not history."""
        self._checks += 1
        if self._checks % _SWEEP_EVERY:
            return
        horizon = now - max(self._bot.length, self._chat.length)
        _forget_idle(self._bot_stamps, horizon)
        _forget_idle(self._chat_stamps, horizon)


def _forget_idle(stamps_by_key: dict[_K, deque[float]], horizon: float) -> None:
    idle = [key for key, stamps in stamps_by_key.items() if not stamps or stamps[-1] <= horizon]
    for key in idle:
        del stamps_by_key[key]
