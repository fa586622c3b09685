"""Win-back settings (owner and admins): per service, "remind about the next visit N days
after a visit", off by default. Each change is recorded in the audit log and told to the
notifier (`booking.winback`), which schedules the reminders from the booking events."""

from __future__ import annotations

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.marketing_ports import MarketingScope, ServiceWinback
from services.booking.use_cases.admin.ports import Staff
from shared.messages import WinbackRuleSet
from shared.subjects import WINBACK_RULE_SET, booking_event

DAY_CHOICES = (14, 21, 30, 45, 60, 90)
MAX_DAYS = 365


async def winbacks(scope: MarketingScope, actor: Staff) -> list[ServiceWinback]:
    require_manager(actor, "winback")
    async with scope.store.transaction() as session:
        return await session.winbacks()


async def set_winback(
    scope: MarketingScope, actor: Staff, service_id: int, days: int | None
) -> list[ServiceWinback]:
    """Turn a service's win-back on (`days`) or off (None); the list afterwards."""
    require_manager(actor, "winback")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise BadInput("winback_days")
    async with scope.store.transaction() as session:
        before = next((s for s in await session.winbacks() if s.id == service_id), None)
        if before is None:
            raise Unknown("service", service_id)
        if before.days != days:
            after = await session.set_winback(service_id, days)
            await session.record_event(
                booking_event(WINBACK_RULE_SET, scope.tenant_id),
                WinbackRuleSet(
                    tenant_id=scope.tenant_id,
                    service_id=service_id,
                    days=days,
                    service_name=before.name,
                ),
                msg_id=f"booking:{scope.tenant_id}:winback:{service_id}:{days or 0}:"
                f"{scope.clock.now().timestamp():.0f}",
            )
            await audit.record(
                session,
                actor,
                "service.winback",
                f"service:{service_id}",
                before={"days": before.days},
                after={"days": after.days if after else days},
            )
        return await session.winbacks()


async def choices(scope: MarketingScope, actor: Staff, service_id: int) -> ServiceWinback:
    """One service's win-back, to choose its days."""
    for service in await winbacks(scope, actor):
        if service.id == service_id:
            return service
    raise Unknown("service", service_id)
