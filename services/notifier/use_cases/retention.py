"""Retention of the delivery log: its texts carry customers' names and phone numbers.

A deleted tenant's rows (and its block list) are deleted when `tenant.deleted` arrives, in
batches until none is left, so a redelivered event deletes nothing more and succeeds. Finished
rows older than the retention period are purged by `run`, every `interval` seconds, in batches;
rows still `pending` or `sending` are never purged by age.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from services.notifier.ports import DeliveryLog
from shared.clock import Clock
from shared.messages import TenantDeleted

log = logging.getLogger(__name__)


class Retention:
    def __init__(
        self,
        *,
        log_store: DeliveryLog,
        clock: Clock,
        keep: timedelta,
        batch: int = 1000,
        interval_seconds: float = 3600.0,
    ) -> None:
        self._store = log_store
        self._clock = clock
        self._keep = keep
        self._batch = batch
        self._interval = interval_seconds

    async def on_tenant_deleted(self, event: TenantDeleted) -> int:
        """Forget everything the notifier kept about the tenant; returns how many rows went."""
        total = 0
        while deleted := await self._store.forget_tenant(event.tenant_id, self._batch):
            total += deleted
        log.info("forgot %d deliveries of the deleted tenant %s", total, event.tenant_id)
        return total

    async def purge_once(self) -> int:
        """Purge every finished row older than the retention period; returns how many went."""
        before = self._clock.now() - self._keep
        total = 0
        while True:
            deleted = await self._store.purge_finished(before, self._batch)
            total += deleted
            if deleted < self._batch:
                return total

    async def run(self) -> None:
        """Purge now and then every `interval` seconds, until cancelled."""
        while True:
            try:
                if purged := await self.purge_once():
                    log.info("purged %d deliveries older than %s", purged, self._keep)
            except Exception:  # the loop survives a failed round; the next one catches up
                log.exception("delivery log purge failed")
            await asyncio.sleep(self._interval)
