"""The business's language (its customers' fallback and the staff alerts) and time zone.

Changing the zone keeps every booking's instant (they are `timestamptz`): a booking at 10:00
Moscow becomes 12:00 Yekaterinburg on the owner's screen, the same moment. Weekly hours are
wall-clock times and stay as typed, now in the new zone. `set_zone` returns what changed so
the bot can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.owner.errors import OwnerRefusal
from services.booking.use_cases.owner.ports import OwnerScope
from shared.messages import BusinessRezoned
from shared.subjects import booking_event

LANGUAGES = ("ru", "en")
# The zones a Russian business most likely needs, offered as buttons; any IANA name may be typed.
ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
)
MAX_ZONE = 64


@dataclass(frozen=True, slots=True)
class LanguageView:
    locale: str
    timezone: str


@dataclass(frozen=True, slots=True)
class ZoneChange:
    old: str
    new: str
    upcoming: int  # confirmed bookings ahead, each at the same instant as before
    next_start: datetime | None


async def current(scope: OwnerScope, actor: Staff) -> LanguageView:
    require_manager(actor, "settings")
    async with scope.store.transaction() as session:
        opening = await session.opening(actor.telegram_id)
    return LanguageView(locale=opening.locale, timezone=opening.timezone)


async def set_language(scope: OwnerScope, actor: Staff, code: str) -> LanguageView:
    require_manager(actor, "settings")
    if code not in LANGUAGES:
        raise OwnerRefusal("admin.lang.unknown_language")
    async with scope.store.transaction() as session:
        old = (await session.opening(actor.telegram_id)).locale
        await session.set_locale(code)
        opening = await session.opening(actor.telegram_id)
        await audit.record_change(session, actor, "locale", old, code, action="setting.language")
    return LanguageView(locale=opening.locale, timezone=opening.timezone)


def clean_zone(text: str) -> str:
    """An IANA zone name as typed (`asia/yekaterinburg` is found too); else a refusal."""
    name = text.strip()
    if not name or len(name) > MAX_ZONE or name.startswith(("/", ".")) or ".." in name:
        raise OwnerRefusal("admin.lang.bad_zone")
    known = {z.lower(): z for z in available_timezones()}
    found = known.get(name.lower())
    if found is None:
        raise OwnerRefusal("admin.lang.bad_zone")
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise OwnerRefusal("admin.lang.bad_zone") from error
    return found


async def set_zone(scope: OwnerScope, actor: Staff, text: str) -> ZoneChange:
    require_manager(actor, "settings")
    zone = clean_zone(text)
    async with scope.store.transaction() as session:
        old = (await session.opening(actor.telegram_id)).timezone
        await session.set_timezone(zone)
        now = scope.clock.now()
        upcoming, next_start = await session.upcoming(now)
        await audit.record_change(session, actor, "timezone", old, zone, action="setting.timezone")
        if zone != old:  # notifier rewords the reminders it holds, in the same transaction
            event = BusinessRezoned(
                tenant_id=scope.tenant_id, old_timezone=old, timezone=zone, changed_at=now
            )
            stamp = int(now.timestamp() * 1000)
            key = f"booking:{scope.tenant_id}:rezoned:{stamp}:{old}:{zone}"
            await session.record_event(booking_event("rezoned", scope.tenant_id), event, msg_id=key)
    return ZoneChange(old=old, new=zone, upcoming=upcoming, next_start=next_start)
