"""What the invite use cases need: one-time codes kept as hashes, and joining the staff."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from services.booking.use_cases.admin.audit_ports import AuditPort
from shared.clock import Clock

InviteRole = Literal["admin", "master"]


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    role: InviteRole
    master_id: int | None
    expires_at: datetime
    used_at: datetime | None


class InviteSession(AuditPort, Protocol):
    async def master_name(self, master_id: int) -> str | None: ...

    async def add_invite(
        self,
        *,
        code_hash: bytes,
        role: InviteRole,
        master_id: int | None,
        created_by: int,
        expires_at: datetime,
    ) -> int: ...

    async def invite_for_update(self, code_hash: bytes) -> InviteRow | None: ...

    async def staff_role(self, telegram_id: int) -> str | None: ...

    async def join(self, invite_id: int, *, telegram_id: int, name: str, at: datetime) -> None:
        """Mark the invite used by `telegram_id` and make them staff with its role."""
        ...


class InviteStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[InviteSession]: ...


@dataclass(frozen=True, slots=True)
class InviteScope:
    tenant_id: str
    store: InviteStore
    clock: Clock
