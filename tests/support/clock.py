"""Moving the running stack's controllable clock (services started with `CLOCK=controllable`
follow the `offset_seconds` key of the `clock` KV bucket)."""

from __future__ import annotations

from datetime import timedelta

import nats

from shared.bus import clock_bucket
from shared.clock import CLOCK_OFFSET_KEY


async def set_clock_offset(nats_url: str, offset: timedelta) -> None:
    """Every service's `now()` becomes real time + `offset` (absolute, not cumulative)."""
    connection = await nats.connect(nats_url)
    try:
        bucket = await clock_bucket(connection.jetstream())
        await bucket.put(CLOCK_OFFSET_KEY, str(offset.total_seconds()).encode())
    finally:
        await connection.close()
