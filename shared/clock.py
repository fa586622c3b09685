"""Time as a dependency: the system clock, or a controllable one for tests and the sandbox.

The controllable clock adds an offset that a test sets in the `clock` KV bucket; every service
started with `CLOCK=controllable` reads it, so "two days later" is one call, not two days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the domain imports this module: no NATS at run time here
    from nats.aio.client import Client
    from nats.js.kv import KeyValue


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


async def follow_clock_offset(kv: KeyValue, clock: OffsetClock, connection: Client) -> None:
    """Keep `clock.offset` equal to the `offset_seconds` key of the `clock` KV bucket.

    Runs until cancelled; only started when a service is configured with `CLOCK=controllable`.
    The watch is re-opened within a fraction of a second of NATS coming back.
    """

    from shared.kv_watch import follow

    async def apply(entry: KeyValue.Entry) -> None:
        if entry.value:
            clock.offset = timedelta(seconds=float(entry.value.decode()))

    await follow(connection, lambda: kv.watch(CLOCK_OFFSET_KEY), apply, name="clock")


CLOCK_OFFSET_KEY = "offset_seconds"
