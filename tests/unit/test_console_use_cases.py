"""The operator's console with hand-written fakes: rules, audit, ordering of a deletion."""

# ruff: noqa: ARG002 - the fakes take the ports' arguments whether they use them or not

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from services.provisioner.ports import (
    Announcement,
    Applied,
    BookingCounts,
    Payment,
    PlanPrice,
    TenantCounts,
    TenantRecord,
)
from services.provisioner.use_cases import Console, Lifecycle, Provisioning
from services.provisioner.use_cases.console import (
    allowed_actions,
    manual_payment_id,
    monthly_recurring_revenue,
    months_of,
)
from shared.crypto import Sealer
from shared.errors import InvalidTenantId, RuleViolation, TenantUnknown, TransientError
from shared.messages import TenantDeleted, TenantRenewed, TenantResumed, TenantSuspended
from shared.migrate_online import Options, RunReport
from shared.settings import Secret

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
OPERATOR = "tg:42"


def tenant(tenant_id: str = "salon_anna", **changes: object) -> TenantRecord:
    record = TenantRecord(
        tenant_id=tenant_id,
        signup_id=f"signup-{tenant_id}",
        business_name="Салон Анна",
        timezone="Europe/Moscow",
        owner_chat_id=777,
        buyer_chat_id=777,
        bot_id=1000 + len(tenant_id),
        bot_username=f"{tenant_id}_bot",
        bot_token_sealed="sealed",
        delivery="polling",
        status="active",
        plan_code="month",
        trial=False,
        paid_until=NOW + timedelta(days=5),
        warned_days=(),
        created_at=NOW - timedelta(days=40),
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


class Timeline(list[str]):
    """What happened, in order, across every fake."""


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


class FakeRegistry:
    def __init__(self, timeline: Timeline, *tenants: TenantRecord) -> None:
        self.tenants = {t.tenant_id: t for t in tenants}
        self.payments: dict[str, Payment] = {}
        self.timeline = timeline
        self.outbox: FakeEvents | None = None  # announcements written "in the transaction"

    async def _write(self, announcement: Announcement | None) -> None:
        if announcement is not None and self.outbox is not None:
            await self.outbox.publish(
                announcement.subject, announcement.event, msg_id=announcement.msg_id
            )

    async def get(self, tenant_id: str) -> TenantRecord | None:
        return self.tenants.get(tenant_id)

    async def apply_payment(
        self, tenant_id: str, payment: Payment, now: datetime, *, announce=None
    ) -> Applied:
        before = self.tenants[tenant_id]
        if payment.payment_id in self.payments:
            return Applied(tenant=before, created=False, applied=False)
        self.payments[payment.payment_id] = payment
        after = dataclasses.replace(
            before,
            paid_until=max(before.paid_until, now) + timedelta(days=payment.period_days),
            status="active" if before.status != "deleted" else "deleted",
            trial=False,
            plan_code=payment.plan_code,
        )
        self.tenants[tenant_id] = after
        applied = Applied(
            tenant=after,
            created=False,
            applied=True,
            reactivated=before.status in {"grace", "suspended"},
        )
        await self._write(announce(applied) if announce else None)
        return applied

    async def due_for_warning(self, now: datetime, days: int) -> list[TenantRecord]:
        return []

    async def expired(
        self, now: datetime, grace_days: int, *, announce=None
    ) -> list[tuple[TenantRecord, str]]:
        return []

    async def set_status(
        self, tenant_id: str, status: str, *, actor: str, reason: str, announce=None
    ) -> TenantRecord | None:
        if tenant_id not in self.tenants:
            return None
        self.timeline.append(f"status:{status}:{actor}")
        self.tenants[tenant_id] = dataclasses.replace(self.tenants[tenant_id], status=status)  # type: ignore[arg-type]
        await self._write(announce(self.tenants[tenant_id]) if announce else None)
        return self.tenants[tenant_id]


class FakeStore:
    def __init__(self, registry: FakeRegistry, timeline: Timeline) -> None:
        self.registry = registry
        self.timeline = timeline
        self.audits: list[tuple[str, str, str | None, dict[str, object]]] = []
        self.bookings: dict[str, BookingCounts] = {}
        self.dropped: set[str] = set()
        self.plans: list[PlanPrice] = []
        self.revenue_total = 0
        self.fail_drop = False

    async def list_tenants(self, status, *, limit, offset):
        chosen = [
            t
            for t in self.registry.tenants.values()
            if (t.status == status if status else t.status != "deleted")
        ]
        return chosen[offset : offset + limit], len(chosen)

    async def search(self, text, *, limit):
        needle = text.lower()
        return [
            t
            for t in self.registry.tenants.values()
            if needle in t.tenant_id or needle in t.business_name.lower()
        ][:limit]

    async def booking_counts(self, tenant_id, now):
        return None if tenant_id in self.dropped else self.bookings.get(tenant_id)

    async def tenant_counts(self, since):
        statuses = [t.status for t in self.registry.tenants.values()]
        return TenantCounts(
            active=statuses.count("active"),
            trials=0,
            grace=statuses.count("grace"),
            suspended=statuses.count("suspended"),
            deleted=statuses.count("deleted"),
            new_recently=0,
        )

    async def revenue(self, since, until):
        assert until - since == timedelta(days=30)
        return self.revenue_total

    async def current_plans(self):
        return self.plans

    async def audit(self, actor, action, tenant_id, details):
        self.audits.append((actor, action, tenant_id, details))

    async def drop_tenant_data(self, tenant_id):
        if self.fail_drop:
            raise TransientError("database went away")
        self.timeline.append("drop")
        self.dropped.add(tenant_id)

    async def migrate_tenants(self, options):
        return RunReport(run_id=1, resumed=False, tenants=3, spares=0, already_done=0, migrated=1)

    async def plan_migrations(self):
        return []


class FakeExporter:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def export(self, tenant, now):
        if tenant.tenant_id in self.store.dropped:
            return None
        return b'{"tables": {}}'


class FakeSink:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.documents: list[tuple[str, bytes]] = []

    async def keep(self, tenant_id, document):
        self.timeline.append("export")
        self.documents.append((tenant_id, document))


class FakeDirectory:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.entries: dict[str, str] = {}

    async def put(self, config):
        self.entries[config.tenant_id] = config.status

    async def remove(self, tenant_id):
        self.timeline.append("directory:remove")
        self.entries.pop(tenant_id, None)


class FakeBots:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.failures = 0

    async def retire(self, tenant):
        if self.failures:
            self.failures -= 1
            raise TransientError("Bot API unavailable")
        self.timeline.append(f"retire:{tenant.tenant_id}")


class FakeEvents:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.published: list[tuple[str, object, str]] = []

    async def publish(self, subject, event, *, msg_id):
        self.timeline.append(f"publish:{subject}")
        self.published.append((subject, event, msg_id))


class NoAnnouncements:
    async def mark_live(self, tenant_id, announcement):
        raise AssertionError("the console never brings a new tenant live")


class NoBotSetup:
    async def configure(self, tenant, token):
        raise AssertionError("a renewal never configures the bot")

    async def decorate(self, tenant, token):
        raise AssertionError("a renewal never decorates the bot")


@dataclasses.dataclass
class World:
    console: Console
    registry: FakeRegistry
    store: FakeStore
    directory: FakeDirectory
    events: FakeEvents
    bots: FakeBots
    clock: FakeClock
    timeline: Timeline


def world(*tenants: TenantRecord) -> World:
    timeline = Timeline()
    clock = FakeClock(NOW)
    registry = FakeRegistry(timeline, *(tenants or (tenant(),)))
    store = FakeStore(registry, timeline)
    directory = FakeDirectory(timeline)
    events = FakeEvents(timeline)
    registry.outbox = events
    bots = FakeBots(timeline)
    provisioning = Provisioning(
        registry=registry,  # type: ignore[arg-type]
        bots=NoBotSetup(),
        directory=directory,
        announcements=NoAnnouncements(),
        events=events,
        sealer=Sealer(Secret("x" * 32)),
        clock=clock,
        delivery="polling",
    )
    lifecycle = Lifecycle(
        registry=registry,  # type: ignore[arg-type]
        directory=directory,
        clock=clock,
        warn_days=(3,),
        grace_days=3,
    )
    console = Console(
        store=store,
        registry=registry,  # type: ignore[arg-type]
        provisioning=provisioning,
        lifecycle=lifecycle,
        directory=directory,
        bots=bots,
        exporter=FakeExporter(store),
        events=events,
        clock=clock,
        page_size=2,
    )
    return World(console, registry, store, directory, events, bots, clock, timeline)


def actions_of(w: World) -> list[tuple[str, str, str | None]]:
    return [(actor, action, tenant_id) for actor, action, tenant_id, _ in w.store.audits]


# --- extending


@pytest.mark.asyncio
async def test_extend_is_a_manual_payment_renewed_like_a_real_one() -> None:
    w = world()
    before = w.registry.tenants["salon_anna"].paid_until

    after = await w.console.extend(OPERATOR, "salon_anna", days=30, amount_kopecks=150_000)

    assert after.paid_until == before + timedelta(days=30)
    (payment,) = w.registry.payments.values()
    assert payment.kind == "manual"
    assert payment.payment_id.startswith("manual:")
    assert (payment.period_days, payment.amount_kopecks, payment.plan_code) == (
        30,
        150_000,
        "month",
    )
    subject, event, msg_id = w.events.published[-1]
    assert subject == "tenant.renewed.salon_anna"
    assert isinstance(event, TenantRenewed)
    assert event.paid_until == after.paid_until
    assert msg_id == f"tenant:salon_anna:renewed:{payment.payment_id}"
    assert w.directory.entries == {"salon_anna": "active"}
    assert actions_of(w) == [(OPERATOR, "console:extend", "salon_anna")]
    assert w.store.audits[0][3]["payment_id"] == payment.payment_id


@pytest.mark.asyncio
async def test_the_same_request_extends_once() -> None:
    w = world()
    before = w.registry.tenants["salon_anna"].paid_until

    await w.console.extend(OPERATOR, "salon_anna", days=30, request_id="tg-callback:1")
    again = await w.console.extend(OPERATOR, "salon_anna", days=30, request_id="tg-callback:1")

    assert again.paid_until == before + timedelta(days=30)
    assert len(w.registry.payments) == 1
    assert manual_payment_id("tg-callback:1") == manual_payment_id("tg-callback:1")
    assert manual_payment_id(None) != manual_payment_id(None)


@pytest.mark.asyncio
async def test_extending_a_suspended_tenant_reactivates_it_from_today() -> None:
    expired = NOW - timedelta(days=10)
    w = world(tenant(status="suspended", paid_until=expired))

    after = await w.console.extend(OPERATOR, "salon_anna", days=30)

    assert after.status == "active"
    assert after.paid_until == NOW + timedelta(days=30)
    event = w.events.published[-1][1]
    assert isinstance(event, TenantRenewed)
    assert event.reactivated


@pytest.mark.asyncio
@pytest.mark.parametrize("days", [0, -1, 10_000])
async def test_extend_refuses_silly_periods(days: int) -> None:
    w = world()
    with pytest.raises(RuleViolation) as caught:
        await w.console.extend(OPERATOR, "salon_anna", days=days)
    assert caught.value.reason == "extend_days"
    assert w.store.audits == []


@pytest.mark.asyncio
async def test_a_deleted_tenant_cannot_be_extended() -> None:
    w = world(tenant(status="deleted"))
    with pytest.raises(RuleViolation) as caught:
        await w.console.extend(OPERATOR, "salon_anna", days=30)
    assert caught.value.reason == "not_allowed"
    assert w.registry.payments == {}


# --- suspending and resuming


@pytest.mark.asyncio
async def test_suspend_then_resume() -> None:
    w = world()

    suspended = await w.console.suspend(OPERATOR, "salon_anna", reason="жалоба")
    assert suspended.status == "suspended"
    assert w.directory.entries["salon_anna"] == "suspended"
    assert isinstance(w.events.published[-1][1], TenantSuspended)

    resumed = await w.console.resume(OPERATOR, "salon_anna")
    assert resumed.status == "active"
    assert w.directory.entries["salon_anna"] == "active"
    assert isinstance(w.events.published[-1][1], TenantResumed)
    assert actions_of(w) == [
        (OPERATOR, "console:suspend", "salon_anna"),
        (OPERATOR, "console:resume", "salon_anna"),
    ]
    assert w.timeline[:2] == [f"status:suspended:{OPERATOR}", "publish:tenant.suspended.salon_anna"]


@pytest.mark.asyncio
async def test_status_rules_are_checked_on_the_server() -> None:
    w = world(tenant(status="suspended"), tenant("expired_one", status="suspended", paid_until=NOW))

    with pytest.raises(RuleViolation) as caught:
        await w.console.suspend(OPERATOR, "salon_anna", reason="again")
    assert (caught.value.reason, caught.value.details["status"]) == ("not_allowed", "suspended")

    with pytest.raises(RuleViolation) as caught:
        await w.console.resume(OPERATOR, "expired_one")
    assert caught.value.reason == "resume_expired"
    assert w.events.published == []


def test_allowed_actions_by_status() -> None:
    assert allowed_actions(tenant(), NOW) == ("extend", "suspend", "delete")
    assert allowed_actions(tenant(status="grace"), NOW) == ("extend", "suspend", "delete")
    assert allowed_actions(tenant(status="suspended"), NOW) == ("extend", "resume", "delete")
    expired = tenant(status="suspended", paid_until=NOW - timedelta(days=1))
    assert allowed_actions(expired, NOW) == ("extend", "delete")
    assert allowed_actions(tenant(status="deleted"), NOW) == ()


@pytest.mark.asyncio
async def test_unknown_and_malformed_tenants() -> None:
    w = world()
    with pytest.raises(TenantUnknown):
        await w.console.card(OPERATOR, "nobody_here")
    with pytest.raises(InvalidTenantId):
        await w.console.suspend(OPERATOR, "Robert'); DROP TABLE", reason="x")
    assert w.store.audits == []


# --- deleting


@pytest.mark.asyncio
async def test_delete_hands_over_the_export_before_destroying_anything() -> None:
    w = world()
    sink = FakeSink(w.timeline)

    deletion = await w.console.delete(OPERATOR, "salon_anna", sink=sink)

    assert sink.documents == [("salon_anna", b'{"tables": {}}')]
    assert w.timeline == [
        "export",
        f"status:deleted:{OPERATOR}",
        "directory:remove",
        "retire:salon_anna",
        "publish:tenant.deleted.salon_anna",
        "drop",
    ]
    _, event, msg_id = w.events.published[-1]
    assert event == TenantDeleted(tenant_id="salon_anna")
    assert msg_id == "tenant:salon_anna:deleted"
    assert deletion.tenant.status == "deleted"
    assert deletion.export_bytes == len(b'{"tables": {}}')
    assert actions_of(w)[-1] == (OPERATOR, "console:delete", "salon_anna")


@pytest.mark.asyncio
async def test_an_interrupted_delete_finishes_when_run_again() -> None:
    w = world()
    w.bots.failures = 1
    sink = FakeSink(w.timeline)

    with pytest.raises(TransientError):
        await w.console.delete(OPERATOR, "salon_anna", sink=sink)
    assert w.registry.tenants["salon_anna"].status == "deleted"
    assert "drop" not in w.timeline

    deletion = await w.console.delete("cli:root", "salon_anna", sink=sink)

    assert len(sink.documents) == 2  # the data still existed, so it was exported again
    assert w.timeline.count(f"status:deleted:{OPERATOR}") == 1
    assert w.timeline[-2:] == ["publish:tenant.deleted.salon_anna", "drop"]
    assert deletion.export_bytes is not None

    again = await w.console.delete("cli:root", "salon_anna", sink=sink)
    assert again.export_bytes is None  # nothing left to export
    assert len(sink.documents) == 2
    assert {msg_id for _, _, msg_id in w.events.published} == {"tenant:salon_anna:deleted"}


# --- reading


@pytest.mark.asyncio
async def test_card_in_moscow_time_with_bookings() -> None:
    w = world(tenant(paid_until=datetime(2025, 3, 31, 21, 30, tzinfo=UTC)))
    w.store.bookings["salon_anna"] = BookingCounts(total=12, upcoming=3)

    card = await w.console.card(OPERATOR, " Salon_Anna ")

    assert card.paid_until_msk.isoformat() == "2025-04-01T00:30:00+03:00"
    assert card.bookings == BookingCounts(total=12, upcoming=3)
    assert card.actions == ("extend", "suspend", "delete")
    assert actions_of(w) == [(OPERATOR, "console:show", "salon_anna")]


@pytest.mark.asyncio
async def test_list_pages_and_search() -> None:
    w = world(
        tenant("salon_one"),
        tenant("salon_two", status="suspended"),
        tenant("barber_three"),
        tenant("gone_four", status="deleted"),
    )

    first = await w.console.list_tenants(OPERATOR)
    assert (first.total, first.pages, len(first.tenants)) == (3, 2, 2)
    second = await w.console.list_tenants(OPERATOR, page=1)
    assert [t.tenant_id for t in second.tenants] == ["barber_three"]
    only = await w.console.list_tenants(OPERATOR, status="suspended")
    assert [t.tenant_id for t in only.tenants] == ["salon_two"]
    with pytest.raises(RuleViolation):
        await w.console.list_tenants(OPERATOR, status="sleeping")

    found = await w.console.search(OPERATOR, "  @SALON ")
    assert {t.tenant_id for t in found} == {"salon_one", "salon_two"}
    with pytest.raises(RuleViolation):
        await w.console.search(OPERATOR, " @ ")
    assert [a for _, a, _ in actions_of(w)] == [
        "console:list",
        "console:list",
        "console:list",
        "console:search",
    ]


@pytest.mark.asyncio
async def test_stats_and_monthly_recurring_revenue() -> None:
    w = world(tenant("a_one"), tenant("b_two", status="grace"), tenant("c_three", status="deleted"))
    w.store.plans = [
        PlanPrice(amount_kopecks=290_000, period_days=30),
        PlanPrice(amount_kopecks=780_000, period_days=90),
        PlanPrice(amount_kopecks=2_990_000, period_days=365),
    ]
    w.store.revenue_total = 4_060_000

    stats = await w.console.stats("cli:root")

    assert (stats.counts.active, stats.counts.grace, stats.counts.deleted) == (1, 1, 1)
    assert stats.revenue_kopecks == 4_060_000
    assert stats.mrr_kopecks == 290_000 + 260_000 + 249_167
    assert actions_of(w) == [("cli:root", "console:stats", None)]


def test_months_of_a_plan() -> None:
    assert [months_of(d) for d in (7, 30, 31, 90, 180, 365)] == [1, 1, 1, 3, 6, 12]
    assert monthly_recurring_revenue([]) == 0
    assert monthly_recurring_revenue([PlanPrice(amount_kopecks=100, period_days=90)]) == 33


@pytest.mark.asyncio
async def test_sweep_and_migrate_are_audited() -> None:
    w = world()
    report = await w.console.sweep("cli:root")
    assert report.suspended == []
    migrated = await w.console.migrate("cli:root", Options(batch_size=10))
    assert (migrated.tenants, migrated.changed) == (3, 1)
    assert [a for _, a, _ in actions_of(w)] == ["console:sweep", "console:migrate"]
