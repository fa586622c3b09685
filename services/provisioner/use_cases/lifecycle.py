"""The paid period: expiry warnings, the grace period, suspension; and operator status changes.

`sweep()` is run periodically (and by tests with a controllable clock). Each warning is sent
once per paid period: the registry records which thresholds were announced and a renewal
clears them. A warning, a suspension or a resumption is written to the outbox in the same
transaction as the registry change it announces, so a NATS outage delays it but cannot lose
it. The `tenants` KV entry is written after the commit; if that write fails, the
reconciliation (`reconcile.Reconciler`) brings the entry in line on the next sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from services.provisioner.ports import Announcement, Directory, TenantRecord, TenantRegistry
from shared.clock import Clock
from shared.errors import TenantUnknown
from shared.messages import TenantExpiring, TenantResumed, TenantSuspended
from shared.subjects import tenant_event

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    warned: list[tuple[str, int]] = field(default_factory=list)
    grace: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)


class Lifecycle:
    def __init__(
        self,
        *,
        registry: TenantRegistry,
        directory: Directory,
        clock: Clock,
        warn_days: tuple[int, ...],
        grace_days: int,
    ) -> None:
        self._registry = registry
        self._directory = directory
        self._clock = clock
        self._warn_days = tuple(sorted(set(warn_days)))
        self._grace_days = grace_days

    async def sweep(self) -> SweepReport:
        now = self._clock.now()
        report = SweepReport()
        for days in self._warn_days:
            for tenant in await self._registry.due_for_warning(now, days):
                warning = self._warning(tenant, days)
                if await self._registry.mark_warned(tenant.tenant_id, days, announcement=warning):
                    report.warned.append((tenant.tenant_id, days))
        changed = await self._registry.expired(now, self._grace_days, announce=self._expiry)
        for tenant, status in changed:
            (report.suspended if status == "suspended" else report.grace).append(tenant.tenant_id)
        for tenant, _ in changed:
            await self._directory.put(tenant.config())
        return report

    async def suspend(self, tenant_id: str, *, actor: str, reason: str) -> TenantRecord:
        tenant = await self._registry.set_status(
            tenant_id,
            "suspended",
            actor=actor,
            reason=reason,
            announce=lambda t: self._suspension(t, reason),
        )
        if tenant is None:
            raise TenantUnknown(tenant_id)
        await self._directory.put(tenant.config())
        return tenant

    async def resume(self, tenant_id: str, *, actor: str) -> TenantRecord:
        at = self._clock.now().isoformat()
        tenant = await self._registry.set_status(
            tenant_id,
            "active",
            actor=actor,
            reason="resume",
            announce=lambda t: Announcement(
                tenant_event("resumed", t.tenant_id),
                TenantResumed(
                    tenant_id=t.tenant_id,
                    bot_username=t.bot_username,
                    owner_chat_id=t.owner_chat_id,
                ),
                msg_id=f"tenant:{t.tenant_id}:resumed:{at}",
            ),
        )
        if tenant is None:
            raise TenantUnknown(tenant_id)
        await self._directory.put(tenant.config())
        return tenant

    @staticmethod
    def _warning(tenant: TenantRecord, days: int) -> Announcement:
        return Announcement(
            tenant_event("expiring", tenant.tenant_id),
            TenantExpiring(
                tenant_id=tenant.tenant_id,
                bot_username=tenant.bot_username,
                owner_chat_id=tenant.owner_chat_id,
                paid_until=tenant.paid_until,
                days_left=days,
            ),
            msg_id=f"tenant:{tenant.tenant_id}:expiring:{days}:{tenant.paid_until.isoformat()}",
        )

    def _expiry(self, tenant: TenantRecord, status: str) -> Announcement | None:
        return self._suspension(tenant, "expired") if status == "suspended" else None

    @staticmethod
    def _suspension(tenant: TenantRecord, reason: str) -> Announcement:
        return Announcement(
            tenant_event("suspended", tenant.tenant_id),
            TenantSuspended(
                tenant_id=tenant.tenant_id,
                bot_username=tenant.bot_username,
                owner_chat_id=tenant.owner_chat_id,
                reason=reason,
            ),
            msg_id=f"tenant:{tenant.tenant_id}:suspended:{tenant.paid_until.isoformat()}:{reason}",
        )
