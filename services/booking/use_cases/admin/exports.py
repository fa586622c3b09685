"""CSV exports of the client base and of the bookings of a period, for Excel.

The file is UTF-8 with a byte-order mark (Excel then reads Cyrillic right), `;`-separated (what
Excel expects in a Russian locale) with CRLF line ends, every cell quoted where it must be.
A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
a customer named `=HYPERLINK(...)` stays text instead of becoming a formula. Times are in the
business's zone; money is in roubles with two decimals. Owner and admins only.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.clients_ports import ClientsScope
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.parsing import parse_date
from services.booking.use_cases.admin.ports import Staff

BOM = "\ufeff"
DELIMITER = ";"
RISKY = ("=", "+", "-", "@", "\t", "\r")
Period = Literal["this", "last", "prev30", "next30"]
MAX_SPAN_DAYS = 731
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")

CUSTOMER_COLUMNS = (
    "id", "name", "phone", "source", "first_seen", "visits", "cancels", "no_shows",
    "spend_rub", "last_visit", "next_visit", "tags", "blocked", "note",
)  # fmt: skip
BOOKING_COLUMNS = (
    "id", "starts_at", "ends_at", "service", "master", "customer", "phone", "status",
    "cancelled_by", "price_rub", "source", "created_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Export:
    filename: str
    data: bytes
    rows: int


def safe_cell(value: object) -> str:
    """A cell as text, neutralised against formula injection."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(RISKY) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def _rub(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def period_days(period: Period, today: date) -> tuple[date, date]:
    """[first, last] days of a period counted from today (in the business's zone)."""
    first_of_month = today.replace(day=1)
    if period == "this":
        following = (first_of_month + timedelta(days=32)).replace(day=1)
        return first_of_month, following - timedelta(days=1)
    if period == "last":
        last = first_of_month - timedelta(days=1)
        return last.replace(day=1), last
    if period == "prev30":
        return today - timedelta(days=29), today
    return today, today + timedelta(days=29)


async def customers_csv(scope: ClientsScope, actor: Staff) -> Export:
    require_manager(actor, "export")
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        zone = ZoneInfo((await session.business()).timezone)
        found = await session.customers_export(now)
    rows = [
        (
            r.id,
            r.name,
            r.phone,
            r.source,
            _local(r.first_seen, zone),
            r.visits,
            r.cancels,
            r.no_shows,
            _rub(r.spend_kopecks),
            _local(r.last_visit, zone),
            _local(r.next_visit, zone),
            ", ".join(r.tags),
            "yes" if r.blocked else "",
            r.note,
        )
        for r in found
    ]
    stamp = now.astimezone(zone).strftime("%Y-%m-%d")
    return Export(f"customers-{stamp}.csv", to_csv(CUSTOMER_COLUMNS, rows), len(rows))


def parse_period(text: str) -> tuple[date, date]:
    """`01.05.2031-31.05.2031` (or ISO dates): two full dates, in either order, at most
    `MAX_SPAN_DAYS` apart."""
    found = _DATE.findall(text)
    if len(found) != 2:
        raise BadInput("date")
    first, last = sorted(parse_date(value, today=date.min) for value in found)
    if (last - first).days > MAX_SPAN_DAYS:
        raise BadInput("date")
    return first, last


async def bookings_csv(
    scope: ClientsScope, actor: Staff, period: Period | tuple[date, date]
) -> Export:
    """The bookings that start in a preset period or in [first, last] (whole days)."""
    require_manager(actor, "export")
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        zone = ZoneInfo((await session.business()).timezone)
        if isinstance(period, tuple):
            first, last = period
        else:
            first, last = period_days(period, now.astimezone(zone).date())
        lo = datetime.combine(first, time(), zone)
        hi = datetime.combine(last + timedelta(days=1), time(), zone)
        found = await session.bookings_export(lo, hi)
    rows = [
        (
            r.id,
            _local(r.starts_at, zone),
            _local(r.ends_at, zone),
            r.service,
            r.master,
            r.customer,
            r.phone,
            r.status,
            r.cancelled_by,
            _rub(r.price_kopecks),
            r.source,
            _local(r.created_at, zone),
        )
        for r in found
    ]
    name = f"bookings-{first:%Y-%m-%d}-{last:%Y-%m-%d}.csv"
    return Export(name, to_csv(BOOKING_COLUMNS, rows), len(rows))
