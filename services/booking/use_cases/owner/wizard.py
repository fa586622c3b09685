"""The owner's setup wizard: business type with suggested services (accepted, switched off, or
the owner's own added), the first master (the owner or someone else), weekly hours, address
and phone. Every answer is saved at once with the step reached (`business.setup_step`), so the
owner can leave at any point and resume where they were. Only the owner runs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Literal

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.parsing import (
    clean_text,
    parse_minutes,
    parse_price,
    parse_range,
)
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.customers import normalize_phone
from services.booking.use_cases.errors import BadPhone
from services.booking.use_cases.owner.errors import OwnerRefusal
from services.booking.use_cases.owner.ports import (
    STEPS,
    BusinessType,
    Opening,
    OwnerScope,
    OwnerSession,
    Step,
    Suggestion,
)

MAX_NAME = 64
MAX_ADDRESS = 200

# What each kind of business usually offers: (locale key tail, minutes, kopecks).
SUGGESTIONS: dict[BusinessType, tuple[tuple[str, int, int], ...]] = {
    "salon": (("haircut", 60, 150_000), ("colouring", 120, 400_000), ("manicure", 90, 200_000)),
    "barber": (("men_cut", 45, 120_000), ("beard", 30, 80_000), ("cut_beard", 75, 180_000)),
    "clinic": (("consultation", 30, 200_000), ("checkup", 60, 350_000), ("follow_up", 20, 120_000)),
    "other": (("session", 60, 150_000),),
}
# Weekly hour presets: (weekdays, starts, ends); a typed range means Monday to Friday.
HOURS: dict[str, tuple[tuple[int, ...], time, time]] = {
    "weekdays": ((0, 1, 2, 3, 4), time(10), time(19)),
    "six": ((0, 1, 2, 3, 4, 5), time(10), time(20)),
    "daily": ((0, 1, 2, 3, 4, 5, 6), time(9), time(21)),
}
TYPED_DAYS = (0, 1, 2, 3, 4)
_OWN_SERVICE = re.compile(r"\s*[,;]\s*")


@dataclass(frozen=True, slots=True)
class WizardView:
    opening: Opening
    catalog: tuple[Suggestion, ...]
    masters: int


def require_owner(actor: Staff) -> None:
    if actor.role != "owner":
        raise OwnerRefusal("admin.wizard.owner_only")


async def _view(session: OwnerSession, actor: Staff) -> WizardView:
    return WizardView(
        opening=await session.opening(actor.telegram_id),
        catalog=tuple(await session.catalog()),
        masters=len(await session.master_ids()),
    )


async def view(scope: OwnerScope, actor: Staff) -> WizardView:
    """Where the wizard stands (a finished one shows its summary)."""
    require_owner(actor)
    async with scope.store.transaction() as session:
        return await _view(session, actor)


async def go(scope: OwnerScope, actor: Staff, step: Step) -> WizardView:
    """Back to an earlier step (or on to the next one, when it can be skipped)."""
    require_owner(actor)
    async with scope.store.transaction() as session:
        if step in ("master", "hours", "address", "phone", "done"):
            await _require_services(session)
        if step in ("hours", "address", "phone", "done") and not await session.master_ids():
            raise OwnerRefusal("admin.wizard.need_master")
        await session.set_step(step)
        return await _view(session, actor)


async def restart(scope: OwnerScope, actor: Staff) -> WizardView:
    return await go(scope, actor, "type")


async def choose_type(
    scope: OwnerScope, actor: Staff, kind: BusinessType, name_of: Callable[[str], str]
) -> WizardView:
    """Record the type; an empty catalog gets the type's suggested services (all on)."""
    require_owner(actor)
    async with scope.store.transaction() as session:
        before = await session.opening(actor.telegram_id)
        added = []
        if not await session.catalog():
            for key, minutes, price in SUGGESTIONS[kind]:
                await session.add_service(name_of(key), minutes, price)
                added.append(name_of(key))
        await session.set_step("services", business_type=kind)
        await audit.record(
            session,
            actor,
            "wizard.type",
            "business",
            before={"business_type": before.business_type or None},
            after={"business_type": kind, "services": added or None},
        )
        return await _view(session, actor)


async def toggle_service(scope: OwnerScope, actor: Staff, service_id: int) -> WizardView:
    require_owner(actor)
    async with scope.store.transaction() as session:
        found = next((s for s in await session.catalog() if s.id == service_id), None)
        if found is None:
            raise BadInput("unknown_service", key=service_id)
        await session.set_service_on(service_id, not found.on)
        await audit.record(
            session,
            actor,
            "service.on" if not found.on else "service.off",
            f"service:{service_id}",
            before={"active": found.on},
            after={"active": not found.on},
        )
        return await _view(session, actor)


def parse_own_service(text: str) -> tuple[str, int, int]:
    """`Стрижка, 60, 1500` -> (name, minutes, kopecks); the price may be left out (0)."""
    parts = [p for p in _OWN_SERVICE.split(text.strip()) if p]
    if len(parts) not in (2, 3):
        raise OwnerRefusal("admin.wizard.own_format")
    name = clean_text(parts[0], max_len=MAX_NAME)
    minutes = parse_minutes(parts[1], lo=5, hi=1440)
    price = parse_price(parts[2]) if len(parts) == 3 else 0
    return name, minutes, price


async def add_own_service(scope: OwnerScope, actor: Staff, text: str) -> WizardView:
    require_owner(actor)
    name, minutes, price = parse_own_service(text)
    async with scope.store.transaction() as session:
        service_id = await session.add_service(name, minutes, price)
        await session.set_step("services")
        await audit.record(
            session,
            actor,
            "service.add",
            f"service:{service_id}",
            after={"name": name, "duration_min": minutes, "price_kopecks": price},
        )
        return await _view(session, actor)


async def _require_services(session: OwnerSession) -> None:
    if not any(s.on for s in await session.catalog()):
        raise OwnerRefusal("admin.wizard.need_service")


async def add_master(scope: OwnerScope, actor: Staff, name: str, *, is_owner: bool) -> WizardView:
    """The first master: the owner themself (linked to their staff row) or someone named.
    They perform every active service."""
    require_owner(actor)
    clean = clean_text(name, max_len=MAX_NAME)
    async with scope.store.transaction() as session:
        await _require_services(session)
        master_id = await session.add_master(
            clean, staff_telegram_id=actor.telegram_id if is_owner else None
        )
        await session.set_step("hours")
        await audit.record(
            session,
            actor,
            "master.add",
            f"master:{master_id}",
            after={"name": clean, "owner": is_owner},
        )
        return await _view(session, actor)


async def set_hours(
    scope: OwnerScope, actor: Staff, *, preset: str | None = None, typed: str = ""
) -> tuple[WizardView, int]:
    """Weekly hours for every master who has none yet; (view, masters given hours)."""
    require_owner(actor)
    if preset is not None:
        if preset not in HOURS:
            raise BadInput("bad_button")
        days, starts, ends = HOURS[preset]
    else:
        days = TYPED_DAYS
        starts, ends = parse_range(typed)
    async with scope.store.transaction() as session:
        if not await session.master_ids():
            raise OwnerRefusal("admin.wizard.need_master")
        given = await session.fill_hours(days, starts, ends)
        await session.set_step("address")
        if given:
            await audit.record(
                session,
                actor,
                "wizard.hours",
                "masters",
                after={"weekdays": list(days), "from": starts, "to": ends, "masters": given},
            )
        return await _view(session, actor), given


async def set_address(scope: OwnerScope, actor: Staff, text: str | None) -> WizardView:
    """The address (None = skip), then on to the phone."""
    require_owner(actor)
    async with scope.store.transaction() as session:
        if text is not None:
            await _set_contact(session, actor, "address", clean_text(text, max_len=MAX_ADDRESS))
        await session.set_step("phone")
        return await _view(session, actor)


async def set_phone(scope: OwnerScope, actor: Staff, text: str | None) -> WizardView:
    """The business's phone (None = skip); the wizard is then done."""
    require_owner(actor)
    phone = None
    if text is not None:
        try:
            phone = normalize_phone(text)
        except BadPhone as error:
            raise OwnerRefusal("admin.wizard.bad_phone") from error
    async with scope.store.transaction() as session:
        if phone is not None:
            await _set_contact(session, actor, "phone", phone)
        await _require_services(session)
        if not await session.master_ids():
            raise OwnerRefusal("admin.wizard.need_master")
        await session.set_step("done")
        return await _view(session, actor)


async def _set_contact(
    session: OwnerSession, actor: Staff, field: Literal["address", "phone"], value: str
) -> None:
    before = await session.contact(field)
    await session.set_contact(field, value)
    await audit.record_change(session, actor, field, before, value)


def step_index(step: Step) -> int:
    return STEPS.index(step)
