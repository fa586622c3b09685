"""Masters: the list, adding one, renaming, switching on and off, and which staff member is
the master (a 'master' staff member then sees that master's bookings and schedule).

Owner and admins only. A new master performs every active service and has no hours yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import MAX_ID, require_manager
from services.booking.use_cases.admin.errors import Unknown
from services.booking.use_cases.admin.parsing import clean_text
from services.booking.use_cases.admin.ports import AdminScope, AdminSession, MasterRow, Staff

MAX_NAME = 64


@dataclass(frozen=True, slots=True)
class MasterCard:
    master: MasterRow
    services: tuple[str, ...]
    staff: tuple[Staff, ...]  # staff members linked to this master
    candidates: tuple[Staff, ...]  # every staff member, for «Привязать»


async def masters(scope: AdminScope, actor: Staff) -> list[MasterRow]:
    require_manager(actor, "masters")
    async with scope.store.transaction() as session:
        return await session.all_masters()


async def master_row(session: AdminSession, master_id: int) -> MasterRow:
    found = await session.master(master_id) if 0 < master_id <= MAX_ID else None
    if found is None:
        raise Unknown("master", master_id)
    return found


async def _card(session: AdminSession, master_id: int) -> MasterCard:
    master = await master_row(session, master_id)
    everyone = await session.staff_list()
    return MasterCard(
        master=master,
        services=tuple(await session.master_service_names(master_id)),
        staff=tuple(s for s in everyone if s.master_id == master_id),
        candidates=tuple(everyone),
    )


async def card(scope: AdminScope, actor: Staff, master_id: int) -> MasterCard:
    require_manager(actor, "masters")
    async with scope.store.transaction() as session:
        return await _card(session, master_id)


async def add(scope: AdminScope, actor: Staff, name: str) -> MasterCard:
    require_manager(actor, "masters")
    clean = clean_text(name, max_len=MAX_NAME)
    async with scope.store.transaction() as session:
        made = await _card(session, await session.add_master(clean))
        await audit.record(
            session, actor, "master.add", f"master:{made.master.id}", after=made.master
        )
        return made


async def rename(scope: AdminScope, actor: Staff, master_id: int, name: str) -> MasterCard:
    require_manager(actor, "masters")
    clean = clean_text(name, max_len=MAX_NAME)
    async with scope.store.transaction() as session:
        before = await master_row(session, master_id)
        await session.update_master(master_id, name=clean)
        await audit.record(
            session,
            actor,
            "master.rename",
            f"master:{master_id}",
            before={"name": before.name},
            after={"name": clean},
        )
        return await _card(session, master_id)


async def set_active(scope: AdminScope, actor: Staff, master_id: int, *, on: bool) -> MasterCard:
    require_manager(actor, "masters")
    async with scope.store.transaction() as session:
        before = await master_row(session, master_id)
        await session.update_master(master_id, active=on)
        await audit.record(
            session,
            actor,
            "master.on" if on else "master.off",
            f"master:{master_id}",
            before={"active": before.active},
            after={"active": on},
        )
        return await _card(session, master_id)


async def link(scope: AdminScope, actor: Staff, master_id: int, staff_id: int) -> MasterCard:
    """Make the staff member this master (`staff_id` 0 unlinks everyone from the master)."""
    require_manager(actor, "masters")
    async with scope.store.transaction() as session:
        found = await _card(session, master_id)
        linked: list[str | int] = []
        if staff_id == 0:
            for member in found.staff:
                await session.link_staff(member.id, None)
        else:
            chosen = await session.staff_by_id(staff_id) if staff_id <= MAX_ID else None
            if chosen is None:
                raise Unknown("staff", staff_id)
            await session.link_staff(chosen.id, master_id)
            linked.append(chosen.name or chosen.telegram_id)
        await audit.record(
            session,
            actor,
            "master.link",
            f"master:{master_id}",
            before={"staff": [m.name or m.telegram_id for m in found.staff]},
            after={"staff": linked},
        )
        return await _card(session, master_id)
