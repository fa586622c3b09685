"""Staff (owner only): the list, adding an admin or a master by Telegram id (typed, or from a
shared contact or a forwarded message), removing one. The owner is never removed here.
"""

from __future__ import annotations

from typing import Literal

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import MAX_ID, require_owner
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.parsing import parse_telegram_id
from services.booking.use_cases.admin.ports import AdminScope, Staff

NewRole = Literal["admin", "master"]
MAX_NAME = 64


async def staff_list(scope: AdminScope, actor: Staff) -> list[Staff]:
    require_owner(actor)
    async with scope.store.transaction() as session:
        return await session.staff_list()


async def member(scope: AdminScope, actor: Staff, staff_id: int) -> Staff:
    require_owner(actor)
    async with scope.store.transaction() as session:
        found = await session.staff_by_id(staff_id) if 0 < staff_id <= MAX_ID else None
    if found is None:
        raise Unknown("staff", staff_id)
    return found


async def add(
    scope: AdminScope,
    actor: Staff,
    *,
    role: NewRole,
    text: str = "",
    telegram_id: int | None = None,
    name: str = "",
) -> Staff:
    """Add by a typed id (`text`) or an id taken from a contact / forward (`telegram_id`)."""
    require_owner(actor)
    user_id = telegram_id if telegram_id is not None else parse_telegram_id(text)
    if user_id == actor.telegram_id:
        raise BadInput("already_staff")
    clean = " ".join(name.split())[:MAX_NAME]
    async with scope.store.transaction() as session:
        added = await session.add_staff(telegram_id=user_id, name=clean, role=role)
        if added is None:
            raise BadInput("already_staff")
        await audit.record(
            session,
            actor,
            "staff.add",
            f"staff:{added.id}",
            after={"telegram_id": added.telegram_id, "name": added.name, "role": added.role},
        )
    return added


async def remove(scope: AdminScope, actor: Staff, staff_id: int) -> Staff:
    """Remove an admin or a master; the owner (and so the actor themselves) cannot be."""
    require_owner(actor)
    async with scope.store.transaction() as session:
        found = await session.staff_by_id(staff_id) if 0 < staff_id <= MAX_ID else None
        if found is None:
            raise Unknown("staff", staff_id)
        if found.id == actor.id or found.telegram_id == actor.telegram_id:
            raise BadInput("remove_self")
        if found.role == "owner":
            raise BadInput("remove_owner")
        await session.remove_staff(staff_id)
        await audit.record(
            session,
            actor,
            "staff.remove",
            f"staff:{staff_id}",
            before={"telegram_id": found.telegram_id, "name": found.name, "role": found.role},
        )
    return found
