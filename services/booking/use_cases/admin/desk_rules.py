"""Rules the front-desk use cases share: a phone number as staff type it, who may book for which
master, and the booking a staff member may see.

A phone is kept as `+<digits>`: `8 912 …` and a bare ten-digit `912 …` are Russian numbers
(`+7 912 …`); 11 to 15 digits in all, only digits, spaces and `+()-.` allowed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.domain.availability import free_slots
from services.booking.domain.model import AvailabilityInputs
from services.booking.use_cases.admin.access import manages_all, master_filter
from services.booking.use_cases.admin.desk_ports import DeskSession
from services.booking.use_cases.admin.errors import BadInput, NotAllowed, Unknown
from services.booking.use_cases.admin.ports import BookingLine, Staff
from services.booking.use_cases.choice import Choice
from services.booking.use_cases.events import Audience
from shared.errors import NotFound

MAX_BOOKING_ID = 2**63 - 1
PHONE_CHARS = re.compile(r"[\d\s()+\-.]+")
DAYS_AHEAD = 14  # the day picker of a booking for a caller or a move


def parse_phone(text: str) -> str:
    value = text.strip()
    if not PHONE_CHARS.fullmatch(value):
        raise BadInput("phone")
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    if not 11 <= len(digits) <= 15:
        raise BadInput("phone")
    return "+" + digits


def phone_tail(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-10:]


def require_books_for(actor: Staff, master_id: int) -> None:
    """Owner/admin for any master; a master only into their own schedule."""
    if manages_all(actor):
        return
    if actor.master_id is None:
        raise BadInput("unlinked")
    if actor.master_id != master_id:
        raise NotAllowed("schedule")


async def visible(session: DeskSession, actor: Staff, booking_id: int) -> BookingLine:
    """The booking if the actor may see it (a master: only their own); `Unknown` otherwise."""
    if not 0 < booking_id <= MAX_BOOKING_ID:
        raise Unknown("booking", booking_id)
    line = await session.booking_line(booking_id)
    mine = master_filter(actor)
    if line is None or (mine is not None and line.booking.master_id != mine):
        raise Unknown("booking", booking_id)
    return line


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return (
        datetime.combine(day, time(), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(), tzinfo=tz),
    )


def day_list(inputs: AvailabilityInputs, today: date, master_id: int) -> list[tuple[date, bool]]:
    """The next days a staff member can book into, each with «has free time»."""
    last = min(DAYS_AHEAD - 1, inputs.rules.horizon_days)
    days = [today + timedelta(days=n) for n in range(last + 1)]
    return [(day, bool(free_slots(inputs, day, master_id))) for day in days]


async def load_inputs(
    session: DeskSession, choice: Choice, *, first_day: date, last_day: date, now: datetime
) -> AvailabilityInputs:
    """The engine's inputs for a staff choice (as `choice.load_inputs` for a customer);
    `Unknown` when the service is gone or the master no longer performs it."""
    try:
        inputs = await session.availability(
            service_id=choice.service_id,
            first_day=first_day,
            last_day=last_day,
            now=now,
            master_id=choice.master_id,
            exclude_booking_id=choice.booking_id,
        )
    except NotFound as error:
        raise Unknown("service", choice.service_id) from error
    if choice.master_id is not None and not inputs.masters:
        raise Unknown("master", choice.master_id)
    return inputs


async def audience(session: DeskSession) -> Audience:
    return Audience(
        business=await session.business(), admin_chat_ids=await session.admin_chat_ids()
    )
