"""Tenant backups for the operator: take one, list them, restore one.

A restore goes into a tenant the registry knows and has not deleted: the backup's own tenant
(back to the moment of the backup) or another one (`into`, e.g. a tenant just made with
`create-tenant` for a new bot), whose registry entry, bot and paid period stay its own. The
store records each backup and restore in the audit log under the operator's name.
Raises `TenantUnknown`, `InvalidTenantId`, `RuleViolation("restore_into_deleted")`,
`NotFound` (no such backup) and `BackupError`/`BackupKeyError` (a file it cannot open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.backup_model import TenantBackup
from shared.backup_tenant import RestoreReport
from shared.clock import Clock
from shared.errors import RuleViolation, TenantUnknown
from shared.subjects import check_tenant_id


@dataclass(frozen=True, slots=True)
class BackupInfo:
    name: str
    tenant_id: str
    taken_at: datetime
    size: int
    encrypted: bool


class BackupStore(Protocol):
    async def take(self, tenant_id: str, *, now: datetime, actor: str) -> BackupInfo: ...

    async def listing(self, tenant_id: str | None) -> list[BackupInfo]: ...

    async def load(self, ref: str) -> TenantBackup: ...

    async def restore(
        self, backup: TenantBackup, into: str, *, owner_chat_id: int, now: datetime, actor: str
    ) -> RestoreReport: ...


class TenantLookup(Protocol):
    async def get(self, tenant_id: str) -> _Tenant | None: ...


class _Tenant(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def owner_chat_id(self) -> int: ...


class Backups:
    def __init__(self, *, store: BackupStore, registry: TenantLookup, clock: Clock) -> None:
        self._store = store
        self._registry = registry
        self._clock = clock

    async def _tenant(self, tenant_id: str) -> _Tenant:
        tenant = await self._registry.get(check_tenant_id(tenant_id))
        if tenant is None:
            raise TenantUnknown(tenant_id)
        return tenant

    async def backup(self, actor: str, tenant_id: str) -> BackupInfo:
        await self._tenant(tenant_id)
        return await self._store.take(tenant_id, now=self._clock.now(), actor=actor)

    async def list(self, tenant_id: str | None = None) -> list[BackupInfo]:
        if tenant_id is not None:
            check_tenant_id(tenant_id)
        return await self._store.listing(tenant_id)

    async def restore(self, actor: str, ref: str, *, into: str | None = None) -> RestoreReport:
        backup = await self._store.load(ref)
        target = into or backup.tenant_id
        tenant = await self._tenant(target)
        if tenant.status == "deleted":
            raise RuleViolation("restore_into_deleted", tenant=target)
        return await self._store.restore(
            backup, target, owner_chat_id=tenant.owner_chat_id, now=self._clock.now(), actor=actor
        )
