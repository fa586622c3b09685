"""Services: the list, adding one (name -> duration -> price), editing, switching on and off,
and which masters perform it. Owner and admins only.

A new service is performed by every active master at first (the usual small business); the
owner narrows it down on the service's «Мастера» screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import MAX_ID, require_manager
from services.booking.use_cases.admin.errors import Unknown
from services.booking.use_cases.admin.parsing import (
    clean_text,
    parse_buffers,
    parse_minutes,
    parse_price,
)
from services.booking.use_cases.admin.ports import (
    AdminScope,
    AdminSession,
    MasterRow,
    ServiceRow,
    Staff,
)

MAX_NAME = 64
MAX_DURATION = 1440
ServiceField = Literal["name", "dur", "price", "buf"]


@dataclass(frozen=True, slots=True)
class ServiceCard:
    service: ServiceRow
    masters: tuple[tuple[MasterRow, bool], ...]  # every master; True = performs the service


async def services(scope: AdminScope, actor: Staff) -> list[ServiceRow]:
    require_manager(actor, "services")
    async with scope.store.transaction() as session:
        return await session.all_services()


async def _service(session: AdminSession, service_id: int) -> ServiceRow:
    found = await session.service(service_id) if 0 < service_id <= MAX_ID else None
    if found is None:
        raise Unknown("service", service_id)
    return found


async def _card(session: AdminSession, service_id: int) -> ServiceCard:
    service = await _service(session, service_id)
    return ServiceCard(service=service, masters=tuple(await session.service_masters(service_id)))


async def card(scope: AdminScope, actor: Staff, service_id: int) -> ServiceCard:
    require_manager(actor, "services")
    async with scope.store.transaction() as session:
        return await _card(session, service_id)


def check_name(text: str) -> str:
    return clean_text(text, max_len=MAX_NAME)


def check_duration(text: str) -> int:
    return parse_minutes(text, lo=5, hi=MAX_DURATION)


async def add(
    scope: AdminScope, actor: Staff, *, name: str, duration_min: int, price_kopecks: int
) -> ServiceCard:
    """The wizard's values were checked step by step; they are checked again here."""
    require_manager(actor, "services")
    name = check_name(name)
    duration_min = check_duration(str(duration_min))
    price_kopecks = parse_price(f"{price_kopecks // 100}.{price_kopecks % 100:02d}")
    async with scope.store.transaction() as session:
        service_id = await session.add_service(
            name=name, duration_min=duration_min, price_kopecks=price_kopecks
        )
        made = await _card(session, service_id)
        await audit.record(
            session, actor, "service.add", f"service:{service_id}", after=made.service
        )
        return made


async def edit(
    scope: AdminScope, actor: Staff, service_id: int, field: ServiceField, text: str
) -> ServiceCard:
    """Change one field from typed text (the parser of that field decides what is valid)."""
    require_manager(actor, "services")
    async with scope.store.transaction() as session:
        before = await _service(session, service_id)
        if field == "name":
            await session.update_service(service_id, name=check_name(text))
        elif field == "dur":
            await session.update_service(service_id, duration_min=check_duration(text))
        elif field == "price":
            await session.update_service(service_id, price_kopecks=parse_price(text))
        else:
            await session.update_service(service_id, buffers=parse_buffers(text))
        after = await _card(session, service_id)
        await audit.record(
            session,
            actor,
            "service.edit",
            f"service:{service_id}",
            before=before,
            after=after.service,
        )
        return after


async def set_active(scope: AdminScope, actor: Staff, service_id: int, *, on: bool) -> ServiceCard:
    require_manager(actor, "services")
    async with scope.store.transaction() as session:
        before = await _service(session, service_id)
        await session.update_service(service_id, active=on)
        await audit.record(
            session,
            actor,
            "service.on" if on else "service.off",
            f"service:{service_id}",
            before={"active": before.active},
            after={"active": on},
        )
        return await _card(session, service_id)


async def toggle_master(
    scope: AdminScope, actor: Staff, service_id: int, master_id: int
) -> ServiceCard:
    """Add the master to the service's performers, or take them off."""
    require_manager(actor, "services")
    async with scope.store.transaction() as session:
        found = await _card(session, service_id)
        performs = {m.id: on for m, on in found.masters}
        if master_id not in performs:
            raise Unknown("master", master_id)
        await session.set_service_master(service_id, master_id, on=not performs[master_id])
        await audit.record(
            session,
            actor,
            "service.master",
            f"service:{service_id}",
            before={f"master:{master_id}": performs[master_id]},
            after={f"master:{master_id}": not performs[master_id]},
        )
        return await _card(session, service_id)
