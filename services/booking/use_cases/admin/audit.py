"""The business's audit log: who changed what, before and after, when.

Admin use cases call `record(session, actor, action, target, before=..., after=...)` with the
session of the transaction that makes the change, so the entry commits or rolls back with it.
`before`/`after` may be dataclasses, tuples, dates and times: they are stored as JSON.
Actions are dotted names (`service.edit`, `booking.cancel`, `customer.block`); the screen words
them through `admin.audit.action.<name>` and shows the raw name for any it does not know.
Only the owner reads the log (`page`), newest first, optionally one person's entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from services.booking.use_cases.admin.access import require_owner
from services.booking.use_cases.admin.audit_ports import (
    AuditEntry,
    AuditPerson,
    AuditPort,
    AuditRow,
)
from services.booking.use_cases.admin.ports import AdminScope, Staff

PAGE = 10
MAX_PAGE = 10_000


def plain(value: Any) -> Any:
    """A JSON-ready copy (dataclasses and structs to dicts, dates to ISO strings)."""
    if value is None:
        return None
    return msgspec.to_builtins(value)


async def record(
    session: AuditPort,
    actor: Staff,
    action: str,
    target: str = "",
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    await session.write_audit(
        AuditEntry(
            actor_id=actor.telegram_id,
            actor_name=actor.name,
            actor_role=actor.role,
            action=action,
            target=target,
            before=plain(before),
            after=plain(after),
        )
    )


async def record_change(
    session: AuditPort,
    actor: Staff,
    key: str,
    old: Any,
    new: Any,
    *,
    action: str = "setting.change",
) -> None:
    """A change of one value (a setting): `{key: old}` → `{key: new}`, the key as the target."""
    await record(session, actor, action, key, before={key: old}, after={key: new})


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    people: list[AuditPerson]
    person: int  # 0 = everyone
    page: int
    more: bool
    zone: str  # the business's time zone, for the times shown


async def page(scope: AdminScope, actor: Staff, *, person: int = 0, number: int = 0) -> AuditPage:
    """A page of the log, newest first; `person` is a Telegram id (0 = everyone)."""
    require_owner(actor, "audit")
    number = max(0, min(number, MAX_PAGE))
    async with scope.store.transaction() as session:
        rows = await session.audit_rows(
            actor_id=person or None, offset=number * PAGE, limit=PAGE + 1
        )
        people = await session.audit_people()
        zone = (await session.business()).timezone
    return AuditPage(
        rows=rows[:PAGE],
        people=people,
        person=person,
        page=number,
        more=len(rows) > PAGE,
        zone=zone,
    )
