"""What the provisioner's logic needs: the registry, the bots, the directory, the bus, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import msgspec

from shared.messages import Signup, TenantConfig
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
class Applied:
    tenant: TenantRecord
    created: bool  # the tenant was created by this call
    applied: bool  # the payment was applied by this call (False: seen before)
    reactivated: bool = False


class TenantRegistry(Protocol):
    async def create_tenant(
        self, *, signup: Signup, payment: Payment, delivery: str, now: datetime
    ) -> Applied: ...

    async def apply_payment(self, tenant_id: str, payment: Payment, now: datetime) -> Applied: ...

    async def get(self, tenant_id: str) -> TenantRecord | None: ...

    async def find_by_bot(self, bot_id: int) -> TenantRecord | None: ...

    async def due_for_warning(self, now: datetime, days: int) -> list[TenantRecord]: ...

    async def mark_warned(self, tenant_id: str, days: int) -> bool: ...

    async def set_status(
        self, tenant_id: str, status: TenantStatus, *, actor: str, reason: str
    ) -> TenantRecord | None: ...

    async def expired(self, now: datetime, grace_days: int) -> list[tuple[TenantRecord, str]]: ...


class BotSetup(Protocol):
    async def configure(self, tenant: TenantRecord, token: Secret) -> None: ...


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

    async def migrate_tenants(self, *, batch_size: int) -> tuple[int, int]: ...


class TenantExporter(Protocol):
    async def export(self, tenant: TenantRecord, now: datetime) -> bytes | None: ...


class ExportSink(Protocol):
    """Where a deleted tenant's export goes before anything is destroyed (a chat, a file)."""

    async def keep(self, tenant_id: str, document: bytes) -> None: ...


class TenantBots(Protocol):
    async def retire(self, tenant: TenantRecord) -> None: ...


class DirectoryAdmin(Directory, Protocol):
    async def remove(self, tenant_id: str) -> None: ...


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
