"""The sweep's reconciliation: what the registry committed, the rest of the platform learns.

Run after `Lifecycle.sweep()` on every tick, from any replica:
- every tenant whose `tenants` KV entry is behind its registry row (its version moved since the
  last directory write, e.g. a put failed after a commit) gets its entry written again (removed
  for a deleted tenant), then the row records the version written. A write that raced a newer
  change leaves the row behind, so the next tick writes again: the KV converges on the registry.
- a tenant committed but never announced (the provisioner died or Telegram failed between the
  registry commit and the end of going live) is finished: directory entry, webhook and menu,
  then `tenant.provisioned` in the outbox (so notifier says "your bot is live").
Lifecycle announcements (warnings, suspension, renewal) need no re-announcing here: they are
written to the outbox with their change and the relay retries them until NATS takes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from services.provisioner.ports import Announcements, DirectoryAdmin
from services.provisioner.use_cases.provisioning import Provisioning

log = logging.getLogger(__name__)


@dataclass
class Reconciled:
    directory: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Reconciler:
    def __init__(
        self,
        *,
        announcements: Announcements,
        directory: DirectoryAdmin,
        provisioning: Provisioning,
        settle: timedelta = timedelta(seconds=30),
        batch: int = 500,
    ) -> None:
        self._announcements = announcements
        self._directory = directory
        self._provisioning = provisioning
        self._settle = settle
        self._batch = batch

    async def run(self) -> Reconciled:
        done = Reconciled()
        for tenant in await self._announcements.behind_directory(limit=self._batch):
            if tenant.status == "deleted":
                await self._directory.remove(tenant.tenant_id)
            else:
                await self._directory.put(tenant.config())
            await self._announcements.directory_synced(tenant.tenant_id, tenant.version)
            done.directory.append(tenant.tenant_id)
        # A tenant younger than `settle` is probably still going live in its own handler.
        unannounced = await self._announcements.unannounced(self._settle, limit=self._batch // 10)
        for tenant in unannounced:
            try:
                await self._provisioning.finish(tenant)
            except Exception:  # noqa: BLE001 - one tenant's Bot API failure must not stop the rest
                log.warning("could not finish tenant %s; next sweep retries", tenant.tenant_id)
                done.failed.append(tenant.tenant_id)
            else:
                done.finished.append(tenant.tenant_id)
        return done
