"""The owner's view of the waitlist: who waits for a day, for what, since when. Owners and
admins see everyone; a master is refused (it lists customers' phones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.slotwait.freed_port import WaitRow


@dataclass(frozen=True, slots=True)
class WaitDay:
    day: date
    today: date
    rows: tuple[WaitRow, ...]


async def on_day(scope: AdminScope, actor: Staff, day: date | None) -> WaitDay:
    require_manager(actor, "clients")
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        business = await session.business()
        today = now.astimezone(ZoneInfo(business.timezone)).date()
        shown = max(day or today, today)
        rows = await session.slotwait_on_day(shown, now)
    return WaitDay(day=shown, today=today, rows=tuple(rows))
