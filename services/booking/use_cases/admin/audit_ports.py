"""What the business's audit log stores and reads (no imports of the other admin ports, so
`ports.AdminSession` can include `AuditPort` without a cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin action: who did it (Telegram id, name and role then), what and to what,
    the values before and after (JSON-ready, None when there was nothing)."""

    actor_id: int
    actor_name: str
    actor_role: str
    action: str
    target: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    entry: AuditEntry


@dataclass(frozen=True, slots=True)
class AuditPerson:
    actor_id: int
    name: str


class AuditPort(Protocol):
    async def write_audit(self, entry: AuditEntry) -> None: ...

    async def audit_rows(self, *, actor_id: int | None, offset: int, limit: int) -> list[AuditRow]:
        """Newest first; `actor_id` None = everyone."""
        ...

    async def audit_people(self) -> list[AuditPerson]:
        """Everyone who has an entry, with the name of their latest one."""
        ...
