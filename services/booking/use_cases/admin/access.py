"""Who may do what: owner and admins everything, a master only their own bookings and schedule,
staff management only the owner."""

from __future__ import annotations

from services.booking.use_cases.admin.errors import BadInput, NotAllowed, NotStaff
from services.booking.use_cases.admin.ports import AdminScope, Staff

MAX_ID = 2_147_483_647


def manages_all(actor: Staff) -> bool:
    return actor.role in ("owner", "admin")


def require_manager(actor: Staff, what: str = "") -> None:
    """Owner or admin; a master is refused."""
    if not manages_all(actor):
        raise NotAllowed(what)


def require_owner(actor: Staff, what: str = "staff") -> None:
    if actor.role != "owner":
        raise NotAllowed(what)


def require_master(actor: Staff, master_id: int) -> None:
    """Owner/admin for any master; a master only for the master they are linked to."""
    if manages_all(actor):
        return
    if actor.master_id is None or actor.master_id != master_id:
        raise NotAllowed("schedule")


def master_filter(actor: Staff) -> int | None:
    """The master whose bookings the actor sees: None = everyone's; a master only their own."""
    if manages_all(actor):
        return None
    if actor.master_id is None:
        raise BadInput("unlinked")
    return actor.master_id


async def who(scope: AdminScope, telegram_id: int) -> Staff | None:
    """The staff member behind a Telegram user, or None for everyone else."""
    async with scope.store.transaction() as session:
        return await session.staff_by_telegram(telegram_id)


async def require_staff(scope: AdminScope, telegram_id: int) -> Staff:
    found = await who(scope, telegram_id)
    if found is None:
        raise NotStaff
    return found


async def business_name(scope: AdminScope) -> str:
    async with scope.store.transaction() as session:
        return (await session.business()).name
