"""The customer's own waitlist entries: joining, listing, leaving.

An entry is for a service, a master or any (0), and a range of local days starting at the
day the customer was looking at (or today) for 1-`MAX_SPAN_DAYS` days, never before today nor
past the booking horizon. It expires at the end of its last day; a customer holds at most
`MAX_ENTRIES` open entries. Joining the same service, master and days twice is one entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.use_cases.blocked import refuse_blocked
from services.booking.use_cases.choice import find_master, find_service
from services.booking.use_cases.errors import ChoiceGone
from services.booking.use_cases.owner.opening import language_of
from services.booking.use_cases.slotwait.errors import WaitRefused
from services.booking.use_cases.slotwait.ports import WaitEntry, WaitScope

MAX_SPAN_DAYS = 14
MAX_ENTRIES = 5
SPANS = (1, 3, 7, 14)  # the presets the bot offers


@dataclass(frozen=True, slots=True)
class Mine:
    entries: tuple[WaitEntry, ...]
    timezone: str


@dataclass(frozen=True, slots=True)
class Joined:
    entry: WaitEntry
    timezone: str
    created: bool


def _end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), zone)


async def join(
    scope: WaitScope,
    *,
    telegram_id: int,
    language_code: str,
    service_id: int,
    master_id: int,
    first_day: date | None,
    span_days: int,
) -> Joined:
    """Put the customer on the waitlist; `WaitRefused` with the reason when it cannot."""
    if not 1 <= span_days <= MAX_SPAN_DAYS:
        raise WaitRefused("range")
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        business = await session.business()
        zone = ZoneInfo(business.timezone)
        today = now.astimezone(zone).date()
        start = max(first_day or today, today)
        last = min(start + timedelta(days=span_days - 1), today + timedelta(business.horizon_days))
        if last < start:
            raise WaitRefused("range")
        try:
            service = await find_service(session, service_id)
            if master_id:
                await find_master(session, service_id, master_id)
        except ChoiceGone as gone:
            raise WaitRefused("service") from gone
        customer = await session.customer(telegram_id)
        if customer is None:
            customer = await session.upsert_customer(
                telegram_id=telegram_id, language_code=language_code
            )
        await session.lock_customer(customer.id)
        await refuse_blocked(session, customer.id, phone=business.phone)
        mine = await session.slotwait_entries(customer.id, now)
        for entry in mine:
            same = (entry.service_id, entry.master_id or 0, entry.first_day, entry.last_day)
            if same == (service.id, master_id, start, last):
                return Joined(entry=entry, timezone=business.timezone, created=False)
        if len(mine) >= MAX_ENTRIES:
            raise WaitRefused("full", limit=MAX_ENTRIES)
        entry_id = await session.slotwait_add(
            customer_id=customer.id,
            service_id=service.id,
            master_id=master_id or None,
            first_day=start,
            last_day=last,
            locale=language_of(language_code or customer.language_code),
            expires_at=_end_of(last, zone),
            now=now,
        )
        added = await session.slotwait_entry(entry_id)
    assert added is not None  # inserted in this transaction
    return Joined(entry=added, timezone=business.timezone, created=True)


async def mine(scope: WaitScope, *, telegram_id: int) -> Mine:
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        business = await session.business()
        customer = await session.customer(telegram_id)
        entries = await session.slotwait_entries(customer.id, now) if customer else []
    return Mine(entries=tuple(entries), timezone=business.timezone)


async def leave(scope: WaitScope, *, telegram_id: int, entry_id: int) -> Mine:
    """Leave one of the customer's entries (someone else's id changes nothing)."""
    async with scope.store.transaction() as session:
        customer = await session.customer(telegram_id)
        if customer is not None:
            await session.slotwait_leave(entry_id, customer.id)
    return await mine(scope, telegram_id=telegram_id)
