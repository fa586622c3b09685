"""Which of a master's confirmed bookings the schedule no longer holds, after a change of the
schedule (a day off, changed hours of a date, a blocked range, new weekly hours or breaks).

A booking still fits when its visit [starts_at, ends_at) lies inside one of that day's free
windows (the master's hours minus breaks, a changed date's own hours, none on a day off or a
business-wide closure) and overlaps no blocked range. The windows come from the engine's own
`MasterSchedule`, read with the booking itself left out, so the owner is asked about exactly
what customers could no longer book.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.booking.domain.model import MasterSchedule
from services.booking.use_cases.ports import Scope
from shared.errors import NotFound


def _minute_of_day(instant: datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def fits(schedule: MasterSchedule, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> bool:
    day = starts_at.astimezone(zone).date()
    lo = _minute_of_day(starts_at, zone)
    hi = lo + int((ends_at - starts_at).total_seconds() // 60)
    if not any(w_lo <= lo and hi <= w_hi for w_lo, w_hi in schedule.windows_on(day)):
        return False
    return not any(b.starts_at < ends_at and starts_at < b.ends_at for b in schedule.blocked)


async def misfits(
    scope: Scope, master_id: int, bookings: list[tuple[int, int, datetime, datetime]]
) -> list[int]:
    """Ids of `(booking id, service id, starts_at, ends_at)` the schedule no longer holds."""
    found: list[int] = []
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        zone = ZoneInfo((await session.business()).timezone)
        for booking_id, service_id, starts_at, ends_at in bookings:
            day = starts_at.astimezone(zone).date()
            try:
                inputs = await session.availability(
                    service_id=service_id,
                    first_day=day,
                    last_day=day,
                    now=now,
                    master_id=master_id,
                    exclude_booking_id=booking_id,
                )
            except NotFound:
                continue  # the service was retired: the booking is the staff's to handle
            schedule = next((m for m in inputs.masters if m.master_id == master_id), None)
            if schedule is not None and not fits(schedule, starts_at, ends_at, zone):
                found.append(booking_id)
    return found
