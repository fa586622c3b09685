"""What a tenant backup holds (msgpack inside a `shared.backup_file` envelope).

One snapshot: every table of the tenant's schema as COPY text with its column list, the
values of its sequences, the migrations its schema had, and the tenant's rows in the
`platform` (registry entry without the sealed bot token, payments) and `notifier` (deliveries,
blocked chats) schemas as JSON. New fields only with defaults.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.backup_file import BackupError

KIND = "bookbots.tenant-backup"
VERSION = 1


class TableDump(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    columns: list[str]
    rows: int
    copy_text: bytes  # COPY ... TO STDOUT (text format) of exactly `columns`


class SequenceValue(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    last_value: int
    is_called: bool


class TenantBackup(msgspec.Struct, frozen=True, kw_only=True):
    kind: str = KIND
    version: int = VERSION
    tenant_id: str
    taken_at: datetime
    migrations: list[int]
    tables: list[TableDump]  # in an order that satisfies foreign keys
    sequences: list[SequenceValue]
    platform: dict[str, str] = msgspec.field(default_factory=dict)  # table -> JSON array of rows
    notifier: dict[str, str] = msgspec.field(default_factory=dict)

    def bookings(self) -> int:
        return sum(t.rows for t in self.tables if t.name == "bookings")


def encode(backup: TenantBackup) -> bytes:
    return msgspec.msgpack.encode(backup)


def decode(payload: bytes) -> TenantBackup:
    try:
        backup = msgspec.msgpack.decode(payload, type=TenantBackup)
    except msgspec.DecodeError as error:
        raise BackupError(f"not a tenant backup: {error}") from None
    if backup.kind != KIND or backup.version != VERSION:
        raise BackupError(
            f"not a tenant backup of version {VERSION}: {backup.kind} {backup.version}"
        )
    return backup
