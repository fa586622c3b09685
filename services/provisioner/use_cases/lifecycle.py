"""The paid period: expiry warnings, the grace period, suspension; and operator status changes.

`sweep()` is run periodically (and by tests with a controllable clock). Each warning is sent
once per paid period: the registry records which thresholds were announced and a renewal
clears them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from services.provisioner.ports import Directory, Events, TenantRecord, TenantRegistry
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
        events: Events,
        clock: Clock,
        warn_days: tuple[int, ...],
        grace_days: int,
    ) -> None:
        self._registry = registry
        self._directory = directory
        self._events = events
        self._clock = clock
        self._warn_days = tuple(sorted(set(warn_days)))
        self._grace_days = grace_days

    async def sweep(self) -> SweepReport:
        now = self._clock.now()
        report = SweepReport()
        for days in self._warn_days:
            for tenant in await self._registry.due_for_warning(now, days):
                if await self._registry.mark_warned(tenant.tenant_id, days):
                    await self._warn(tenant, days)
                    report.warned.append((tenant.tenant_id, days))
        for tenant, status in await self._registry.expired(now, self._grace_days):
            await self._directory.put(tenant.config())
            if status == "suspended":
                report.suspended.append(tenant.tenant_id)
                await self._announce_suspension(tenant, "expired")
            else:
                report.grace.append(tenant.tenant_id)
        return report

    async def suspend(self, tenant_id: str, *, actor: str, reason: str) -> TenantRecord:
        tenant = await self._registry.set_status(tenant_id, "suspended", actor=actor, reason=reason)
        if tenant is None:
            raise TenantUnknown(tenant_id)
        await self._directory.put(tenant.config())
        await self._announce_suspension(tenant, reason)
        return tenant

    async def resume(self, tenant_id: str, *, actor: str) -> TenantRecord:
        tenant = await self._registry.set_status(tenant_id, "active", actor=actor, reason="resume")
        if tenant is None:
            raise TenantUnknown(tenant_id)
        await self._directory.put(tenant.config())
        await self._events.publish(
            tenant_event("resumed", tenant_id),
            TenantResumed(
                tenant_id=tenant_id,
                bot_username=tenant.bot_username,
                owner_chat_id=tenant.owner_chat_id,
            ),
            msg_id=f"tenant:{tenant_id}:resumed:{self._clock.now().isoformat()}",
        )
        return tenant

    async def _warn(self, tenant: TenantRecord, days: int) -> None:
        await self._events.publish(
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

    async def _announce_suspension(self, tenant: TenantRecord, reason: str) -> None:
        await self._events.publish(
            tenant_event("suspended", tenant.tenant_id),
            TenantSuspended(
                tenant_id=tenant.tenant_id,
                bot_username=tenant.bot_username,
                owner_chat_id=tenant.owner_chat_id,
                reason=reason,
            ),
            msg_id=f"tenant:{tenant.tenant_id}:suspended:{tenant.paid_until.isoformat()}:{reason}",
        )
