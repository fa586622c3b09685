"""Moving a tenant to another database server: fence the writes on the source, copy with the
tenant backup's dump and restore, flip the registry, publish the new place in the tenant
directory (booking follows it within its cache time), then drop the source schema.

Raises `TenantUnknown`, `InvalidTenantId`, `RuleViolation` (`move_deleted`,
`move_same_server`, `move_unknown_server`, `moved_meanwhile`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.provisioner.ports import TenantRecord
from shared.clock import Clock
from shared.errors import RuleViolation, TenantUnknown
from shared.messages import TenantConfig
from shared.subjects import check_tenant_id


@dataclass(frozen=True, slots=True)
class MoveReport:
    tenant_id: str
    source: str
    target: str
    bookings: int


class TenantMover(Protocol):
    def knows(self, server: str) -> bool: ...

    async def fence(self, tenant_id: str, server: str, *, writable: bool) -> None: ...

    async def copy_and_flip(
        self, tenant: TenantRecord, target: str, *, actor: str, now: datetime
    ) -> tuple[TenantRecord, int]: ...

    async def drop_source(self, tenant_id: str, server: str) -> None: ...


class Registry(Protocol):
    async def get(self, tenant_id: str) -> TenantRecord | None: ...


class Directory(Protocol):
    async def put(self, config: TenantConfig) -> None: ...


class TenantMoves:
    def __init__(
        self, *, mover: TenantMover, registry: Registry, directory: Directory, clock: Clock
    ) -> None:
        self._mover = mover
        self._registry = registry
        self._directory = directory
        self._clock = clock

    async def move(self, actor: str, tenant_id: str, target: str) -> MoveReport:
        tenant = await self._registry.get(check_tenant_id(tenant_id))
        if tenant is None:
            raise TenantUnknown(tenant_id)
        if tenant.status == "deleted":
            raise RuleViolation("move_deleted", tenant=tenant_id)
        if tenant.db_server == target:
            raise RuleViolation("move_same_server", tenant=tenant_id, server=target)
        if not self._mover.knows(target):
            raise RuleViolation("move_unknown_server", server=target)
        source = tenant.db_server
        await self._mover.fence(tenant_id, source, writable=False)
        try:
            moved, bookings = await self._mover.copy_and_flip(
                tenant, target, actor=actor, now=self._clock.now()
            )
        except BaseException:
            await self._mover.fence(tenant_id, source, writable=True)
            raise
        await self._directory.put(moved.config())
        await self._mover.drop_source(tenant_id, source)
        return MoveReport(tenant_id=tenant_id, source=source, target=target, bookings=bookings)
