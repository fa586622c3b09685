"""Time as a dependency: the system clock, or a controllable one for tests and the sandbox.

The controllable clock adds an offset that a test sets in the `clock` KV bucket; every service
started with `CLOCK=controllable` reads it, so "two days later" is one call, not two days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """System time plus an adjustable offset (for tests and the sandbox only)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def follow_clock_offset(kv: object, clock: OffsetClock) -> None:
    """Keep `clock.offset` equal to the `offset_seconds` key of the `clock` KV bucket.

    Runs until cancelled; only started when a service is configured with `CLOCK=controllable`.
    """
    from nats.js.kv import KeyValue

    assert isinstance(kv, KeyValue)
    watcher = await kv.watch(CLOCK_OFFSET_KEY)
    async for entry in watcher:
        if entry is None or not entry.value:
            continue
        clock.offset = timedelta(seconds=float(entry.value.decode()))


CLOCK_OFFSET_KEY = "offset_seconds"
