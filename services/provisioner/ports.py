"""What the provisioner's logic needs: the registry, the bots, the directory, the bus, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

import msgspec

from shared.messages import Signup, TenantConfig
from shared.migrate_online import Options, Pending, RunReport
from shared.settings import Secret

TenantStatus = Literal["active", "grace", "suspended", "deleted"]


@dataclass(frozen=True, slots=True)
class TenantRecord:
    tenant_id: str
    signup_id: str
    business_name: str
    timezone: str
    owner_chat_id: int
    buyer_chat_id: int
    bot_id: int
    bot_username: str
    bot_token_sealed: str
    delivery: Literal["webhook", "polling"]
    status: TenantStatus
    plan_code: str
    trial: bool
    paid_until: datetime
    warned_days: tuple[int, ...]
    created_at: datetime
    version: int = 0  # counts the row's changes; the directory sync compares it
    db_server: str = "main"  # the Postgres server of its schema (shared/db_servers.py)

    def config(self) -> TenantConfig:
        return TenantConfig(
            tenant_id=self.tenant_id,
            status=self.status,
            business_name=self.business_name,
            bot_id=self.bot_id,
            bot_username=self.bot_username,
            bot_token_sealed=self.bot_token_sealed,
            delivery=self.delivery,
            timezone=self.timezone,
            owner_chat_id=self.owner_chat_id,
            paid_until=self.paid_until,
            db_server=self.db_server,
        )


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment (or trial, or operator's manual extension) to apply to a tenant, once."""

    payment_id: str
    kind: Literal["new", "renewal", "trial", "manual"]
    plan_code: str
    period_days: int
    amount_kopecks: int


@dataclass(frozen=True, slots=True)
class Announcement:
    """An event to write in the transaction of the registry change it announces (the outbox)."""

    subject: str
    event: msgspec.Struct
    msg_id: str


Announce = Callable[[TenantRecord], Announcement | None]


@dataclass(frozen=True, slots=True)
class Applied:
    tenant: TenantRecord
    created: bool  # the tenant was created by this call
    applied: bool  # the payment was applied by this call (False: seen before)
    reactivated: bool = False


class TenantRegistry(Protocol):
    async def create_tenant(
        self, *, signup: Signup, payment: Payment, delivery: str, now: datetime
    ) -> Applied: ...

    async def apply_payment(
        self,
        tenant_id: str,
        payment: Payment,
        now: datetime,
        *,
        announce: Callable[[Applied], Announcement | None] | None = None,
    ) -> Applied:
        """Apply the payment once; `announce(tenant)` is written with it when it applies."""
        ...

    async def get(self, tenant_id: str) -> TenantRecord | None: ...

    async def find_by_bot(self, bot_id: int) -> TenantRecord | None:
        """The bot's live tenant, else its latest deleted one."""
        ...

    async def payment_kind(self, payment_id: str) -> str | None:
        """How an applied payment was applied (`new`, `renewal`, `trial`, `manual`), or None."""
        ...

    async def due_for_warning(self, now: datetime, days: int) -> list[TenantRecord]: ...

    async def mark_warned(
        self, tenant_id: str, days: int, *, announcement: Announcement | None = None
    ) -> bool:
        """Mark the threshold and write its announcement in one transaction; True if new."""
        ...

    async def set_status(
        self,
        tenant_id: str,
        status: TenantStatus,
        *,
        actor: str,
        reason: str,
        announce: Announce | None = None,
    ) -> TenantRecord | None: ...

    async def expired(
        self,
        now: datetime,
        grace_days: int,
        *,
        announce: Callable[[TenantRecord, str], Announcement | None] | None = None,
    ) -> list[tuple[TenantRecord, str]]: ...


class Announcements(Protocol):
    """What the registry has announced, and what it has not yet (the sweep's reconciliation)."""

    async def mark_live(self, tenant_id: str, announcement: Announcement) -> bool:
        """Record the tenant as announced, writing the announcement; False if it was already."""
        ...

    async def unannounced(self, older_than: timedelta, *, limit: int) -> list[TenantRecord]:
        """Tenants committed more than `older_than` ago (database time), never announced."""
        ...

    async def behind_directory(self, *, limit: int) -> list[TenantRecord]: ...

    async def directory_synced(self, tenant_id: str, version: int) -> None: ...


class BotSetup(Protocol):
    async def configure(self, tenant: TenantRecord, token: Secret) -> None:
        """The webhook (or polling): the bot serves customers once this returned."""

    async def decorate(self, tenant: TenantRecord, token: Secret) -> None:
        """The command menu and the description: optional, retried on its own."""


class Directory(Protocol):
    async def put(self, config: TenantConfig) -> None: ...


class Events(Protocol):
    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None: ...


# --- The operator's console (use_cases/console.py)


@dataclass(frozen=True, slots=True)
class BookingCounts:
    total: int
    upcoming: int


@dataclass(frozen=True, slots=True)
class TenantCounts:
    """How many tenants are in each state, and how many were created recently."""

    active: int
    trials: int
    grace: int
    suspended: int
    deleted: int
    new_recently: int


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """The last paid plan of one active paying tenant: what it paid for how many days."""

    amount_kopecks: int
    period_days: int


class ConsoleStore(Protocol):
    """The console's reads and writes in Postgres beyond the registry's own."""

    async def list_tenants(
        self, status: TenantStatus | None, *, limit: int, offset: int
    ) -> tuple[list[TenantRecord], int]: ...

    async def search(self, text: str, *, limit: int) -> list[TenantRecord]: ...

    async def booking_counts(self, tenant_id: str, now: datetime) -> BookingCounts | None: ...

    async def tenant_counts(self, since: datetime) -> TenantCounts: ...

    async def revenue(self, since: datetime, until: datetime) -> int: ...

    async def current_plans(self) -> list[PlanPrice]: ...

    async def audit(
        self, actor: str, action: str, tenant_id: str | None, details: dict[str, object]
    ) -> None: ...

    async def drop_tenant_data(self, tenant_id: str) -> None: ...

    async def migrate_tenants(self, options: Options) -> RunReport:
        """Pending tenant migrations over every tenant schema and spare, online."""

    async def plan_migrations(self) -> list[Pending]:
        """The dry run: what `migrate_tenants` would apply to each schema."""


class SpareSchemas(Protocol):
    """The pool of pre-created tenant schemas (`adapters/spares_pg`)."""

    async def count(self) -> int: ...

    async def make_one(self) -> str: ...

    async def make(self, count: int) -> list[str]: ...


class TenantExporter(Protocol):
    async def export(self, tenant: TenantRecord, now: datetime) -> bytes | None: ...


class ExportSink(Protocol):
    """Where a deleted tenant's export goes before anything is destroyed (a chat, a file)."""

    async def keep(self, tenant_id: str, document: bytes) -> None: ...


class TenantBots(Protocol):
    async def retire(self, tenant: TenantRecord) -> None: ...


class DirectoryAdmin(Directory, Protocol):
    async def remove(self, tenant_id: str) -> None: ...


# --- Refunds (use_cases/refunds.py)


@dataclass(frozen=True, slots=True)
class RefundApplied:
    """What a refund did to its tenant: `removed` from the paid period, maybe `suspended`.

    `fresh` is False when the refund had been applied before (a redelivery): then `tenant` is
    its current state and `removed`/`suspended` what the first application did."""

    tenant: TenantRecord
    fresh: bool
    removed: timedelta
    suspended: bool


class RefundStore(Protocol):
    async def apply_refund(
        self, *, refund_id: str, payment_id: str, amount_kopecks: int, now: datetime
    ) -> RefundApplied | None:
        """In one transaction, once per refund id: shorten the period of the tenant the
        payment was applied to by the refunded share of the period it bought (never below
        `now`), and suspend the tenant when the payment is now refunded in full and no paid
        time is left (it was paying for the current period). None when no tenant has this
        payment (not applied yet)."""
        ...


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """A bot as `getMe` describes it."""

    bot_id: int
    username: str
    name: str


class BotIdentities(Protocol):
    async def identify(self, token: Secret) -> BotIdentity: ...


class SealedTokens(Protocol):
    """The registry's sealed tokens, for re-sealing under a new platform key."""

    async def page(self, *, after: str, limit: int) -> list[TenantRecord]: ...

    async def replace(self, tenant_id: str, old: str, new: str) -> TenantRecord | None: ...


class SealedShopKeys(Protocol):
    """A business's sealed YooKassa shop key in its own schema (prepayment), for re-sealing."""

    async def sealed(self, tenant_id: str, db_server: str) -> str | None: ...

    async def replace(self, tenant_id: str, db_server: str, old: str, new: str) -> bool: ...


# --- A business's own time zone (use_cases/rezoning.py)


class ZoneStore(Protocol):
    async def set_timezone(
        self, tenant_id: str, timezone: str, *, changed_at: datetime
    ) -> TenantRecord | None:
        """Record the zone unless a change at `changed_at` or later is recorded already; the
        tenant as it now is, None when nothing changed (unknown, deleted or older)."""
        ...

    async def directory_synced(self, tenant_id: str, version: int) -> None: ...
