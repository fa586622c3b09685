"""A wake-up signal for long polls that costs nothing while nobody waits."""

from __future__ import annotations

import asyncio


class Signal:
    """Wakes every current waiter on :meth:`notify`; the event exists only while awaited."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, seconds: float) -> bool:
        """Wait for the next notification; ``False`` when ``seconds`` pass first."""
        if seconds <= 0:
            return False
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        return True
