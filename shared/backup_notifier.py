"""A tenant's rows in the notifier's schema, in a backup and back.

The provisioner's login may read and insert these rows (notifier migration 0006 grants it);
where it may not (a database without that grant), they are left out of the backup and a
restore leaves the notifier alone.

On restore, the backup's deliveries that were pending and are still due later come back as
pending (a reminder cancelled since is pending again). Into the same tenant, its pending
deliveries the backup does not have (reminders of bookings made after it) are cancelled. Into
another tenant id, each dedup key gets a `restored:<tenant>:` prefix, so it stays unique.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from shared.backup_model import TenantBackup

DELIVERIES, BLOCKED = "notifier.deliveries", "notifier.blocked_chats"
_RESET = {
    "status": "'pending'",
    "attempts": "0",
    "lease_until": "NULL",
    "lease_token": "NULL",
    "last_error": "NULL",
    "sent_at": "NULL",
    "message_id": "NULL",
}


async def _usable(conn: asyncpg.Connection, table: str, *rights: str) -> bool:
    if await conn.fetchval("SELECT to_regclass($1) IS NULL", table):
        return False
    for right in rights:
        if not await conn.fetchval("SELECT has_table_privilege($1, $2)", table, right):
            return False
    return True


async def dump_notifier(conn: asyncpg.Connection, tenant_id: str) -> dict[str, str]:
    rows: dict[str, str] = {}
    for table in (DELIVERIES, BLOCKED):
        if await _usable(conn, table, "SELECT"):
            rows[table] = await conn.fetchval(
                f"SELECT coalesce(jsonb_agg(to_jsonb(d)), '[]')::text FROM {table} AS d"
                " WHERE tenant_id = $1",
                tenant_id,
            )
    return rows


async def _columns(conn: asyncpg.Connection, table: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
        " AND NOT attisdropped AND attidentity = '' AND attgenerated = '' ORDER BY attnum",
        table,
    )
    return [r["attname"] for r in rows]


async def _deliveries(
    conn: asyncpg.Connection, text: str, tenant_id: str, source: str, now: datetime
) -> int:
    decoded: list[dict[str, object]] = msgspec.json.decode(text)
    pending = [r for r in decoded if r.get("status") == "pending" and r.get("via") == "tenant"]
    keys = {key for row in pending for key in row}
    columns = [c for c in await _columns(conn, DELIVERIES) if c in keys]
    if pending and "dedup_key" in columns and "due_at" in columns:
        chosen = []
        for column in columns:
            if column == "tenant_id":
                chosen.append("$2::text")
            elif column == "dedup_key":
                chosen.append(
                    "CASE WHEN $2 = $3 THEN r.dedup_key"
                    " ELSE 'restored:' || $2 || ':' || r.dedup_key END"
                )
            else:
                chosen.append(_RESET.get(column, f'r."{column}"'))
        listed = ", ".join(f'"{c}"' for c in columns)
        await conn.execute(
            f"INSERT INTO {DELIVERIES} ({listed})"
            f" SELECT {', '.join(chosen)}"
            f" FROM jsonb_populate_recordset(NULL::{DELIVERIES}, $1::jsonb) AS r"
            " WHERE r.due_at > $4"
            " ON CONFLICT (dedup_key) DO UPDATE SET status = 'pending', attempts = 0,"
            " lease_until = NULL, lease_token = NULL, due_at = EXCLUDED.due_at"
            f" WHERE {DELIVERIES}.status = 'cancelled'",
            msgspec.json.encode(pending).decode(),
            tenant_id,
            source,
            now,
        )
    if tenant_id == source:
        await conn.execute(
            f"UPDATE {DELIVERIES} SET status = 'cancelled' WHERE tenant_id = $1"
            " AND via = 'tenant' AND status = 'pending' AND NOT (dedup_key = ANY($2::text[]))",
            tenant_id,
            [str(r["dedup_key"]) for r in pending],
        )
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM {DELIVERIES} WHERE tenant_id = $1 AND status = 'pending'",
            tenant_id,
        )
    )


async def restore_notifier(
    conn: asyncpg.Connection, backup: TenantBackup, tenant_id: str, *, now: datetime
) -> int:
    """Put the tenant's notifier rows back; returns its pending deliveries afterwards."""
    reminders = 0
    text = backup.notifier.get(DELIVERIES)
    if text is not None and await _usable(conn, DELIVERIES, "INSERT", "UPDATE"):
        reminders = await _deliveries(conn, text, tenant_id, backup.tenant_id, now)
    blocked = backup.notifier.get(BLOCKED)
    if blocked is not None and await _usable(conn, BLOCKED, "INSERT"):
        await conn.execute(
            f"INSERT INTO {BLOCKED} (tenant_id, via, chat_id, blocked_at, detail)"
            " SELECT $2, r.via, r.chat_id, r.blocked_at, r.detail"
            f" FROM jsonb_populate_recordset(NULL::{BLOCKED}, $1::jsonb) AS r"
            " ON CONFLICT DO NOTHING",
            blocked,
            tenant_id,
        )
    return reminders
