"""SQL of the business's audit log (`audit_log`, tenant migration 0050), a mixin of the admin
session: the entry is written on the connection of the change it describes."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped, unused-ignore]
import msgspec

from services.booking.use_cases.admin.audit_ports import AuditEntry, AuditPerson, AuditRow

_WRITE = """
INSERT INTO audit_log (actor_id, actor_name, actor_role, action, target, before, after)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
"""
_ROWS = """
SELECT at, actor_id, actor_name, actor_role, action, target, before::text, after::text
FROM audit_log WHERE ($1::bigint IS NULL OR actor_id = $1)
ORDER BY at DESC, id DESC OFFSET $2 LIMIT $3
"""
_PEOPLE = """
SELECT DISTINCT ON (actor_id) actor_id, actor_name FROM audit_log
ORDER BY actor_id, at DESC, id DESC
"""


def _json(value: object) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


def _value(text: str | None) -> object:
    return None if text is None else msgspec.json.decode(text)


class AuditSql:
    _conn: asyncpg.Connection

    async def write_audit(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            _WRITE,
            entry.actor_id,
            entry.actor_name,
            entry.actor_role,
            entry.action,
            entry.target,
            _json(entry.before),
            _json(entry.after),
        )

    async def audit_rows(self, *, actor_id: int | None, offset: int, limit: int) -> list[AuditRow]:
        rows = await self._conn.fetch(_ROWS, actor_id, offset, limit)
        return [
            AuditRow(
                at=row["at"],
                entry=AuditEntry(
                    actor_id=row["actor_id"],
                    actor_name=row["actor_name"],
                    actor_role=row["actor_role"],
                    action=row["action"],
                    target=row["target"],
                    before=_value(row["before"]),
                    after=_value(row["after"]),
                ),
            )
            for row in rows
        ]

    async def audit_people(self) -> list[AuditPerson]:
        rows = await self._conn.fetch(_PEOPLE)
        people = [AuditPerson(actor_id=r["actor_id"], name=r["actor_name"]) for r in rows]
        return sorted(people, key=lambda p: (p.name, p.actor_id))
