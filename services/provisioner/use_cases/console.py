"""The platform operator's console: the same use cases behind the operator's bot and the CLI.

Every call names its actor (`tg:<telegram id>` or `cli:<os user>`) and leaves one
`console:<action>` row in the audit log once it has succeeded. Changes go through the same
paths as the automatic ones: an extension is a `manual` payment applied by
`Provisioning.renew`, suspension and resumption are `Lifecycle`'s, so events and the tenant
directory change exactly as they do without an operator.

Deleting is destructive and therefore ordered so that an interrupted run can simply be run
again: the export is produced and handed to its sink (the operator's chat, a file) *before*
anything is destroyed; then the registry row is marked `deleted`, the directory entry removed,
the bot's webhook deleted, `tenant.deleted.<t>` published (deduplicated by its id) and, last,
the schema and role dropped. Every step is idempotent.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from services.provisioner.ports import (
    BookingCounts,
    ConsoleStore,
    DirectoryAdmin,
    Events,
    ExportSink,
    Payment,
    PlanPrice,
    TenantBots,
    TenantCounts,
    TenantExporter,
    TenantRecord,
    TenantRegistry,
    TenantStatus,
)
from services.provisioner.use_cases.lifecycle import Lifecycle, SweepReport
from services.provisioner.use_cases.provisioning import Provisioning
from shared.clock import Clock
from shared.errors import RuleViolation, TenantUnknown
from shared.messages import TenantDeleted
from shared.migrate_online import Failure, Options, Pending
from shared.subjects import check_tenant_id, tenant_event

log = logging.getLogger(__name__)

MOSCOW = ZoneInfo("Europe/Moscow")
STATS_WINDOW = timedelta(days=30)
DAYS_PER_MONTH = 30
MAX_EXTEND_DAYS = 3660
SEARCH_LIMIT = 20
# Manual payment ids made from a request id (a callback query, say) are the same on a retry.
_MANUAL_NAMESPACE = uuid.UUID("5b0f2d1e-8c57-4d55-9a53-3f1f1f6c0a11")

Action = Literal["extend", "suspend", "resume", "delete"]
STATUSES: tuple[TenantStatus, ...] = get_args(TenantStatus)


def operator_actor(telegram_id: int) -> str:
    return f"tg:{telegram_id}"


def cli_actor(os_user: str) -> str:
    return f"cli:{os_user}"


@dataclass(frozen=True, slots=True)
class TenantPage:
    tenants: list[TenantRecord]
    status: TenantStatus | None
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class TenantCard:
    tenant: TenantRecord
    paid_until_msk: datetime
    created_msk: datetime
    bookings: BookingCounts | None  # None once the tenant's data is gone
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Deletion:
    tenant: TenantRecord
    export_bytes: int | None  # None when the data was already gone (a repeated delete)


@dataclass(frozen=True, slots=True)
class PlatformStats:
    at: datetime
    counts: TenantCounts
    revenue_kopecks: int  # applied in the last 30 days
    mrr_kopecks: int


@dataclass(frozen=True, slots=True)
class Migrated:
    tenants: int
    changed: int
    spares: int = 0
    failures: tuple[Failure, ...] = ()
    run_id: int = 0
    resumed: bool = False
    seconds: float = 0.0


def allowed_actions(tenant: TenantRecord, now: datetime) -> tuple[Action, ...]:
    """What an operator may do to a tenant in its current state."""
    if tenant.status == "deleted":
        return ()
    actions: list[Action] = ["extend"]
    if tenant.status in {"active", "grace"}:
        actions.append("suspend")
    if tenant.status == "suspended" and tenant.paid_until > now:
        actions.append("resume")
    actions.append("delete")
    return tuple(actions)


def months_of(period_days: int) -> int:
    """A plan's length in whole months (30 -> 1, 90 -> 3, 365 -> 12), at least one."""
    return max(1, round(period_days / DAYS_PER_MONTH))


def monthly_recurring_revenue(plans: list[PlanPrice]) -> int:
    """Kopecks a month: each paying tenant's last plan price spread over its months."""
    total = sum((Fraction(p.amount_kopecks, months_of(p.period_days)) for p in plans), Fraction())
    return round(total)


def manual_payment_id(request_id: str | None) -> str:
    key = uuid.uuid5(_MANUAL_NAMESPACE, request_id) if request_id else uuid.uuid4()
    return f"manual:{key}"


class Console:
    def __init__(
        self,
        *,
        store: ConsoleStore,
        registry: TenantRegistry,
        provisioning: Provisioning,
        lifecycle: Lifecycle,
        directory: DirectoryAdmin,
        bots: TenantBots,
        exporter: TenantExporter,
        events: Events,
        clock: Clock,
        page_size: int = 10,
    ) -> None:
        self._store = store
        self._registry = registry
        self._provisioning = provisioning
        self._lifecycle = lifecycle
        self._directory = directory
        self._bots = bots
        self._exporter = exporter
        self._events = events
        self._clock = clock
        self.page_size = page_size

    # --- reading

    async def list_tenants(
        self, actor: str, *, status: str | None = None, page: int = 0
    ) -> TenantPage:
        wanted = parse_status(status)
        page = max(page, 0)
        tenants, total = await self._store.list_tenants(
            wanted, limit=self.page_size, offset=page * self.page_size
        )
        pages = max(1, -(-total // self.page_size))
        await self._store.audit(actor, "console:list", None, {"status": wanted, "page": page})
        return TenantPage(tenants=tenants, status=wanted, page=page, pages=pages, total=total)

    async def search(self, actor: str, text: str) -> list[TenantRecord]:
        needle = text.strip().lstrip("@").strip()
        if not needle:
            raise RuleViolation("search_empty")
        found = await self._store.search(needle, limit=SEARCH_LIMIT)
        await self._store.audit(actor, "console:search", None, {"text": needle[:100]})
        return found

    async def card(self, actor: str, tenant_id: str) -> TenantCard:
        tenant = await self._tenant(tenant_id)
        now = self._clock.now()
        counts = await self._store.booking_counts(tenant.tenant_id, now)
        await self._store.audit(actor, "console:show", tenant.tenant_id, {})
        return TenantCard(
            tenant=tenant,
            paid_until_msk=tenant.paid_until.astimezone(MOSCOW),
            created_msk=tenant.created_at.astimezone(MOSCOW),
            bookings=counts,
            actions=allowed_actions(tenant, now),
        )

    async def stats(self, actor: str) -> PlatformStats:
        now = self._clock.now()
        since = now - STATS_WINDOW
        counts = await self._store.tenant_counts(since)
        revenue = await self._store.revenue(since, now)
        mrr = monthly_recurring_revenue(await self._store.current_plans())
        await self._store.audit(actor, "console:stats", None, {})
        return PlatformStats(at=now, counts=counts, revenue_kopecks=revenue, mrr_kopecks=mrr)

    # --- changing

    async def extend(
        self,
        actor: str,
        tenant_id: str,
        *,
        days: int,
        amount_kopecks: int = 0,
        request_id: str | None = None,
    ) -> TenantRecord:
        """Record a manual payment (or a free extension) of `days`; once per `request_id`."""
        if not 1 <= days <= MAX_EXTEND_DAYS:
            raise RuleViolation("extend_days", days=days, maximum=MAX_EXTEND_DAYS)
        if amount_kopecks < 0:
            raise RuleViolation("extend_amount", amount_kopecks=amount_kopecks)
        tenant = await self._allowed(tenant_id, "extend")
        payment = Payment(
            payment_id=manual_payment_id(request_id),
            kind="manual",
            plan_code=tenant.plan_code,
            period_days=days,
            amount_kopecks=amount_kopecks,
        )
        applied = await self._provisioning.renew(tenant.tenant_id, payment)
        await self._store.audit(
            actor,
            "console:extend",
            tenant.tenant_id,
            {
                "payment_id": payment.payment_id,
                "days": days,
                "amount_kopecks": amount_kopecks,
                "applied": applied.applied,
                "paid_until": applied.tenant.paid_until.isoformat(),
            },
        )
        return applied.tenant

    async def suspend(self, actor: str, tenant_id: str, *, reason: str) -> TenantRecord:
        tenant = await self._allowed(tenant_id, "suspend")
        reason = reason.strip() or "operator"
        changed = await self._lifecycle.suspend(tenant.tenant_id, actor=actor, reason=reason)
        await self._store.audit(actor, "console:suspend", tenant.tenant_id, {"reason": reason})
        return changed

    async def resume(self, actor: str, tenant_id: str) -> TenantRecord:
        tenant = await self._tenant(tenant_id)
        if tenant.status == "suspended" and tenant.paid_until <= self._clock.now():
            raise RuleViolation("resume_expired", tenant_id=tenant.tenant_id)
        self._check(tenant, "resume")
        changed = await self._lifecycle.resume(tenant.tenant_id, actor=actor)
        await self._store.audit(actor, "console:resume", tenant.tenant_id, {})
        return changed

    async def delete(self, actor: str, tenant_id: str, *, sink: ExportSink) -> Deletion:
        """Export, hand the export to `sink`, then remove the tenant everywhere; re-runnable."""
        tenant = await self._tenant(tenant_id)
        document = await self._exporter.export(tenant, self._clock.now())
        if document is not None:
            await sink.keep(tenant.tenant_id, document)
        if tenant.status != "deleted":
            marked = await self._registry.set_status(
                tenant.tenant_id, "deleted", actor=actor, reason="operator delete"
            )
            tenant = marked or tenant
        await self._directory.remove(tenant.tenant_id)
        await self._bots.retire(tenant)
        await self._events.publish(
            tenant_event("deleted", tenant.tenant_id),
            TenantDeleted(tenant_id=tenant.tenant_id),
            msg_id=f"tenant:{tenant.tenant_id}:deleted",
        )
        await self._store.drop_tenant_data(tenant.tenant_id)
        size = None if document is None else len(document)
        await self._store.audit(actor, "console:delete", tenant.tenant_id, {"export_bytes": size})
        log.info("tenant %s deleted by %s", tenant.tenant_id, actor)
        return Deletion(tenant=tenant, export_bytes=size)

    async def sweep(self, actor: str) -> SweepReport:
        report = await self._lifecycle.sweep()
        await self._store.audit(
            actor,
            "console:sweep",
            None,
            {
                "warned": len(report.warned),
                "grace": len(report.grace),
                "suspended": len(report.suspended),
            },
        )
        return report

    async def migrate(self, actor: str, options: Options | None = None) -> Migrated:
        """Pending tenant migrations over every schema (`shared.migrate_online`); schemas that
        fail are reported, not raised."""
        options = options or Options()
        if options.batch_size < 1 or options.concurrency < 1:
            raise RuleViolation("batch_size", batch_size=options.batch_size)
        report = await self._store.migrate_tenants(options)
        migrated = Migrated(
            tenants=report.tenants,
            changed=report.migrated,
            spares=report.spares,
            failures=tuple(report.failures),
            run_id=report.run_id,
            resumed=report.resumed,
            seconds=round(report.seconds, 1),
        )
        await self._store.audit(
            actor,
            "console:migrate",
            None,
            {
                "run_id": report.run_id,
                "tenants": report.tenants,
                "spares": report.spares,
                "changed": report.migrated,
                "failed": [f.schema for f in report.failures][:100],
            },
        )
        return migrated

    async def plan_migrations(self, actor: str) -> list[Pending]:
        """The dry run of `migrate`: each schema's pending migrations."""
        pending = await self._store.plan_migrations()
        await self._store.audit(actor, "console:migrate-dry-run", None, {"schemas": len(pending)})
        return pending

    # --- rules

    async def _tenant(self, tenant_id: str) -> TenantRecord:
        tenant = await self._registry.get(check_tenant_id(tenant_id.strip().lower()))
        if tenant is None:
            raise TenantUnknown(tenant_id)
        return tenant

    async def _allowed(self, tenant_id: str, action: Action) -> TenantRecord:
        tenant = await self._tenant(tenant_id)
        self._check(tenant, action)
        return tenant

    def _check(self, tenant: TenantRecord, action: Action) -> None:
        if action not in allowed_actions(tenant, self._clock.now()):
            raise RuleViolation(
                "not_allowed", action=action, tenant_id=tenant.tenant_id, status=tenant.status
            )


def parse_status(status: str | None) -> TenantStatus | None:
    if status is None or status in {"", "all"}:
        return None
    for known in STATUSES:
        if status == known:
            return known
    raise RuleViolation("unknown_status", status=status)
