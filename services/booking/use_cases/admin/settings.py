"""The business's settings (owner and admins): name, address, phone and the booking rules,
each typed as text and checked before it is stored.

| field    | column                 | accepted                                   |
|----------|------------------------|--------------------------------------------|
| name     | name                   | 1-64 characters                            |
| address  | address                | up to 200 characters, `-` to clear         |
| phone    | phone                  | digits, spaces, `+()-`, 5-32 chars, `-` clears |
| step     | slot_step_min          | 5-240 minutes that divide a day (`15`, `30`) |
| notice   | min_notice_min         | 0 min - 7 days (`60`, `2ч`)                 |
| horizon  | horizon_days           | 1-366 days                                 |
| limit    | max_active_bookings    | 1-50                                       |
| cancel   | cancel_cutoff_min      | 0 min - 7 days                             |
| move     | reschedule_cutoff_min  | 0 min - 7 days                             |
| remind   | reminder_offsets_min   | up to 3 of 5 min - 7 days (`24ч, 2ч`), `-` none |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final, Literal

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.parsing import (
    clean_text,
    is_none,
    parse_count,
    parse_minutes,
    parse_offsets,
)
from services.booking.use_cases.admin.ports import AdminScope, Settings, SettingValue, Staff

Field = Literal[
    "name", "address", "phone", "step", "notice", "horizon", "limit", "cancel", "move", "remind"
]
WEEK_MIN = 7 * 1440
_PHONE = re.compile(r"\+?[\d\s()\-]{5,32}")


def _address(text: str) -> str:
    return "" if is_none(text) else clean_text(text, max_len=200)


def _phone(text: str) -> str:
    if is_none(text):
        return ""
    value = " ".join(text.split())
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 5:
        raise BadInput("phone")
    return value


def _step(text: str) -> int:
    minutes = parse_minutes(text, lo=5, hi=240)
    if 1440 % minutes:
        raise BadInput("step")
    return minutes


PARSERS: Final[dict[Field, tuple[str, Callable[[str], SettingValue]]]] = {
    "name": ("name", lambda text: clean_text(text, max_len=64)),
    "address": ("address", _address),
    "phone": ("phone", _phone),
    "step": ("slot_step_min", _step),
    "notice": ("min_notice_min", lambda text: parse_minutes(text, lo=0, hi=WEEK_MIN)),
    "horizon": ("horizon_days", lambda text: parse_count(text, lo=1, hi=366)),
    "limit": ("max_active_bookings", lambda text: parse_count(text, lo=1, hi=50)),
    "cancel": ("cancel_cutoff_min", lambda text: parse_minutes(text, lo=0, hi=WEEK_MIN)),
    "move": ("reschedule_cutoff_min", lambda text: parse_minutes(text, lo=0, hi=WEEK_MIN)),
    "remind": ("reminder_offsets_min", parse_offsets),
}


def parse(field: Field, text: str) -> tuple[str, SettingValue]:
    """The column and the checked value of a typed setting."""
    column, parser = PARSERS[field]
    return column, parser(text)


async def current(scope: AdminScope, actor: Staff) -> Settings:
    require_manager(actor, "settings")
    async with scope.store.transaction() as session:
        return await session.settings()


async def change(scope: AdminScope, actor: Staff, field: Field, text: str) -> Settings:
    require_manager(actor, "settings")
    column, value = parse(field, text)
    async with scope.store.transaction() as session:
        before = await session.settings()
        await session.update_setting(column, value)
        await audit.record_change(session, actor, column, getattr(before, column, None), value)
        return await session.settings()
