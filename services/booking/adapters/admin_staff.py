"""SQL of the admin side for staff members and the business's settings."""

from __future__ import annotations

from typing import Final

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.use_cases.admin.ports import Role, Settings, SettingValue, Staff

_STAFF_COLUMNS = "id, telegram_id, name, role, master_id"
_SETTINGS = """
SELECT name, address, phone, timezone, slot_step_min, min_notice_min, horizon_days,
       max_active_bookings, cancel_cutoff_min, reschedule_cutoff_min, reminder_offsets_min
FROM business WHERE id = 1
"""
# Column names are never taken from input: only these can be updated.
SETTING_COLUMNS: Final = frozenset(
    {
        "name",
        "address",
        "phone",
        "slot_step_min",
        "min_notice_min",
        "horizon_days",
        "max_active_bookings",
        "cancel_cutoff_min",
        "reschedule_cutoff_min",
        "reminder_offsets_min",
    }
)


def _staff(row: asyncpg.Record) -> Staff:
    return Staff(**dict(row))


class StaffSql:
    _conn: asyncpg.Connection

    async def staff_by_telegram(self, telegram_id: int) -> Staff | None:
        row = await self._conn.fetchrow(
            f"SELECT {_STAFF_COLUMNS} FROM staff_members WHERE telegram_id = $1", telegram_id
        )
        return None if row is None else _staff(row)

    async def staff_by_id(self, staff_id: int) -> Staff | None:
        row = await self._conn.fetchrow(
            f"SELECT {_STAFF_COLUMNS} FROM staff_members WHERE id = $1", staff_id
        )
        return None if row is None else _staff(row)

    async def staff_list(self) -> list[Staff]:
        rows = await self._conn.fetch(
            f"SELECT {_STAFF_COLUMNS} FROM staff_members"
            " ORDER BY array_position(ARRAY['owner', 'admin', 'master'], role), id"
        )
        return [_staff(row) for row in rows]

    async def add_staff(self, *, telegram_id: int, name: str, role: Role) -> Staff | None:
        row = await self._conn.fetchrow(
            "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, $2, $3)"
            f" ON CONFLICT (telegram_id) DO NOTHING RETURNING {_STAFF_COLUMNS}",
            telegram_id,
            name,
            role,
        )
        return None if row is None else _staff(row)

    async def remove_staff(self, staff_id: int) -> None:
        await self._conn.execute(
            "DELETE FROM staff_members WHERE id = $1 AND role <> 'owner'", staff_id
        )

    async def link_staff(self, staff_id: int, master_id: int | None) -> None:
        await self._conn.execute(
            "UPDATE staff_members SET master_id = $2 WHERE id = $1", staff_id, master_id
        )

    async def settings(self) -> Settings:
        row = await self._conn.fetchrow(_SETTINGS)
        values = dict(row)
        values["reminder_offsets_min"] = tuple(values["reminder_offsets_min"])
        return Settings(**values)

    async def update_setting(self, field: str, value: SettingValue) -> None:
        if field not in SETTING_COLUMNS:
            raise ValueError(f"not an editable setting: {field!r}")
        stored = list(value) if isinstance(value, tuple) else value
        await self._conn.execute(f"UPDATE business SET {field} = $1 WHERE id = 1", stored)
