"""The nearest free times of a service with a master, offered to a customer whose booking a
closure cancelled: the first free time of each of the nearest days, by the same engine and
rules as the customer's own calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.availability import free_slots
from services.booking.use_cases.choice import Choice, load_inputs
from services.booking.use_cases.errors import ChoiceGone
from services.booking.use_cases.ports import Scope

OFFERED = 3


async def nearest_times(
    scope: Scope, service_id: int, master_id: int, count: int = OFFERED
) -> tuple[datetime, ...]:
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        business = await session.business()
        today = now.astimezone(ZoneInfo(business.timezone)).date()
        last = today + timedelta(days=business.horizon_days)
        try:
            inputs = await load_inputs(
                session,
                Choice(service_id=service_id, master_id=master_id),
                first_day=today,
                last_day=last,
                now=now,
            )
        except ChoiceGone:
            return ()
    found: list[datetime] = []
    day = today
    while day <= last and len(found) < count:
        slots = free_slots(inputs, day, master_id)
        if slots:
            found.append(slots[0].starts_at)
        day += timedelta(days=1)
    return tuple(found)
