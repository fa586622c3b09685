"""Master profiles and per-master services: a short description and a photo customers see
when they choose a master, and the master's own price and duration of a service where they
differ from the service's (availability and new bookings use them).

The description and photo: owner, admins, and a master for their own profile. Prices and
durations: owner and admins only.
"""

from __future__ import annotations

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import MAX_ID, require_manager, require_master
from services.booking.use_cases.admin.owner_errors import OwnerRefused
from services.booking.use_cases.admin.parsing import clean_text, is_none, parse_minutes, parse_price
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.admin.profile_ports import (
    ProfileScope,
    ProfileSession,
    ProfileView,
)

MAX_BIO = 300
MAX_FILE_ID = 200


async def _profile(session: ProfileSession, master_id: int) -> ProfileView:
    found = await session.profile(master_id) if 0 < master_id <= MAX_ID else None
    if found is None:
        raise OwnerRefused("admin.profile.unknown")
    return found


async def view(scope: ProfileScope, actor: Staff, master_id: int) -> ProfileView:
    require_master(actor, master_id)
    async with scope.store.transaction() as session:
        return await _profile(session, master_id)


async def set_bio(scope: ProfileScope, actor: Staff, master_id: int, text: str) -> ProfileView:
    """A short description; `-` clears it."""
    require_master(actor, master_id)
    bio = "" if is_none(text) else clean_text(text, max_len=MAX_BIO)
    async with scope.store.transaction() as session:
        before = await _profile(session, master_id)
        await session.set_bio(master_id, bio)
        await audit.record(
            session,
            actor,
            "profile.bio",
            f"master:{master_id}",
            before={"bio": before.bio},
            after={"bio": bio},
        )
        return await _profile(session, master_id)


async def set_photo(scope: ProfileScope, actor: Staff, master_id: int, file_id: str) -> ProfileView:
    """The Telegram file_id of a photo sent to this bot ("" removes the photo)."""
    require_master(actor, master_id)
    if len(file_id) > MAX_FILE_ID:
        raise OwnerRefused("admin.profile.bad_photo")
    async with scope.store.transaction() as session:
        before = await _profile(session, master_id)
        await session.set_photo(master_id, file_id)
        await audit.record(
            session,
            actor,
            "profile.photo",
            f"master:{master_id}",
            before={"photo": bool(before.photo_file_id)},
            after={"photo": bool(file_id)},
        )
        return await _profile(session, master_id)


def parse_own(text: str) -> tuple[int | None, int | None]:
    """`2000 / 1:30` (price / duration), `2000`, `/ 90`; `-` = the service's own."""
    if is_none(text):
        return None, None
    price_text, _, duration_text = text.partition("/")
    price = parse_price(price_text) if price_text.strip() else None
    duration = parse_minutes(duration_text, lo=5, hi=1440) if duration_text.strip() else None
    if price is None and duration is None:
        raise OwnerRefused("admin.profile.bad_own")
    return price, duration


async def set_own(
    scope: ProfileScope, actor: Staff, master_id: int, service_id: int, text: str
) -> ProfileView:
    require_manager(actor, "catalog")
    price, duration = parse_own(text)
    async with scope.store.transaction() as session:
        before = await _profile(session, master_id)
        done = 0 < service_id <= MAX_ID and await session.set_own(
            master_id, service_id, price=price, duration=duration
        )
        if not done:
            raise OwnerRefused("admin.profile.not_performed")
        old = next((s for s in before.services if s.service_id == service_id), None)
        await audit.record(
            session,
            actor,
            "profile.own",
            f"master:{master_id} service:{service_id}",
            before={
                "own_price_kopecks": old.own_price_kopecks if old else None,
                "own_duration_min": old.own_duration_min if old else None,
            },
            after={"own_price_kopecks": price, "own_duration_min": duration},
        )
        return await _profile(session, master_id)
