"""Keeping the pool of spare tenant schemas full (see `adapters/spares_pg`).

`top_up` makes spares until the pool holds `size`: `workers` transactions at a time (one per
core of the database is enough: DDL is CPU in Postgres), each making up to `batch` spares in
one round trip; the service runs it every few seconds in the background. Several provisioner
replicas may overshoot the size by a few spares, which is harmless (the next purchases take
them). A size of 0 turns the pool off: every purchase then creates its schema directly.
"""

from __future__ import annotations

import asyncio
import logging

from services.provisioner.ports import SpareSchemas

log = logging.getLogger(__name__)


class SpareKeeper:
    def __init__(self, *, spares: SpareSchemas, size: int, workers: int, batch: int = 1) -> None:
        self._spares = spares
        self._size = size
        self._workers = max(1, workers)
        self._batch = max(1, batch)

    async def top_up(self) -> int:
        """Make the spares missing from the pool; returns how many were made."""
        made = 0
        while (missing := self._size - await self._spares.count()) > 0:
            sizes: list[int] = []
            for _ in range(self._workers):
                sizes.append(min(self._batch, missing - sum(sizes)))
            sizes = [n for n in sizes if n > 0]
            await asyncio.gather(*(self._spares.make(n) for n in sizes))
            made += sum(sizes)
        return made

    async def run(self, every_seconds: float) -> None:
        """`top_up` forever; a failure is logged and retried on the next tick."""
        if self._size <= 0:
            log.info("spare pool is off (SPARE_POOL_SIZE=0)")
            return
        while True:
            try:
                made = await self.top_up()
                if made:
                    log.info("spare pool topped up with %d schemas", made)
            except Exception:  # the pool is an optimisation: purchases fall back to direct
                log.exception("spare pool top-up failed")
            await asyncio.sleep(every_seconds)
