"""The booking reads and writes that both the customer's session (`tenant_store`) and the
front desk's (`desk_sql`) offer, delegated once to the aggregate repositories: a service's
availability, a new booking, and where a booking's latest move came from."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters import booking_repo, schedule_repo
from services.booking.domain.entities import Booking, BookingSource
from services.booking.domain.model import AvailabilityInputs

_MOVED_FROM = """
SELECT (details ->> 'from')::timestamptz FROM booking_history
WHERE booking_id = $1 AND action = 'rescheduled' AND (details ->> 'to')::timestamptz = $2
ORDER BY at DESC, id DESC LIMIT 1
"""


class BookingSql:
    _conn: asyncpg.Connection

    async def availability(
        self,
        *,
        service_id: int,
        first_day: date,
        last_day: date,
        now: datetime,
        master_id: int | None = None,
        exclude_booking_id: int | None = None,
    ) -> AvailabilityInputs:
        return await schedule_repo.load_availability(
            self._conn,
            service_id=service_id,
            first_day=first_day,
            last_day=last_day,
            now=now,
            master_id=master_id,
            exclude_booking_id=exclude_booking_id,
        )

    async def create_booking(
        self,
        *,
        customer_id: int,
        service_id: int,
        master_id: int,
        starts_at: datetime,
        actor: str,
        source: BookingSource = "bot",
    ) -> Booking:
        return await booking_repo.create_booking(
            self._conn,
            customer_id=customer_id,
            service_id=service_id,
            master_id=master_id,
            starts_at=starts_at,
            actor=actor,
            source=source,
        )

    async def moved_from(self, booking_id: int, starts_at: datetime) -> datetime | None:
        found: datetime | None = await self._conn.fetchval(_MOVED_FROM, booking_id, starts_at)
        return found
