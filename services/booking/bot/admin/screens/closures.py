"""Closures: the list, whose vacation, one closure with the bookings it covers."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from services.booking.bot.admin.closure_callbacks import (
    ClosureDecide,
    ClosureOpen,
    Closures,
    VacationOf,
)
from services.booking.bot.admin.screens.parts import home_row, with_notice
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.closure_ports import ClosureRow
from services.booking.use_cases.admin.closures import ClosureView, Listing
from services.booking.use_cases.admin.ports import MasterRow


def _days(w: Words, first: date, last: date) -> str:
    if first == last:
        return w.day(first)
    return f"{w.day(first)} – {w.day(last)}"


def label(w: Words, row: ClosureRow) -> str:
    days = _days(w, row.first_day, row.last_day)
    if row.master_id is None:
        return w("admin.closure.holiday_line", days=days)
    return w(f"admin.closure.{row.kind}_line", name=esc(row.master_name), days=days)


def listing(w: Words, found: Listing, *, notice: str = "") -> Screen:
    lines = [w("admin.closure.title")]
    rows = []
    for row in found.closures:
        text = label(w, row)
        if row.pending:
            text += w("admin.closure.pending", n=row.pending)
        lines.append(f"• {text}")
        rows.append([button(text, ClosureOpen(a="v", c=row.id).pack())])
    if not found.closures:
        lines.append(w("admin.closure.none"))
    rows.append([button(w("admin.closure.add_vacation"), Closures(a="vac").pack())])
    if found.can_close_business:
        rows.append([button(w("admin.closure.add_holiday"), Closures(a="hol").pack())])
    rows.append(home_row(w))
    return with_notice(Screen("\n".join(lines), rows), notice)


def whose(w: Words, masters: list[MasterRow]) -> Screen:
    rows = [[button(m.name, VacationOf(m=m.id).pack())] for m in masters]
    rows.append([w.back(Closures(a="list").pack())])
    return Screen(w("admin.closure.whose"), rows)


def closure(w: Words, view: ClosureView, *, notice: str = "") -> Screen:
    row = view.closure
    c = row.id
    lines = [w("admin.closure.header", what=label(w, row))]
    pending = [b for b in view.covered if b.decision == "pending"]
    kept = [b for b in view.covered if b.decision == "kept"]
    if pending:
        lines.append(w("admin.closure.covered", n=len(pending)))
    elif not kept:
        lines.append(w("admin.closure.no_bookings"))
    rows = []
    for b in view.covered:
        when = w.when(b.starts_at, view.timezone)
        mark = "" if b.decision == "pending" else w("admin.closure.kept_mark")
        lines.append(f"• {when} — {esc(b.service_name)}, {esc(b.customer_name)}{mark}")
        if b.decision == "pending":
            short = b.starts_at.astimezone(ZoneInfo(view.timezone)).strftime("%d.%m %H:%M")
            rows.append(
                [
                    button(
                        w("admin.closure.keep_one", when=short),
                        ClosureDecide(a="k", c=c, b=b.booking_id).pack(),
                    ),
                    button(
                        w("admin.closure.cancel_one", when=short),
                        ClosureDecide(a="x", c=c, b=b.booking_id).pack(),
                    ),
                ]
            )
    if len(pending) > 1:
        rows.append(
            [
                button(w("admin.closure.keep_all"), ClosureDecide(a="k", c=c, b=0).pack()),
                button(w("admin.closure.cancel_all"), ClosureDecide(a="x", c=c, b=0).pack()),
            ]
        )
    if row.kind != "date":
        rows.append([button(w("admin.closure.lift"), ClosureOpen(a="rm", c=c).pack())])
    rows.append([w.back(Closures(a="list").pack())])
    return with_notice(Screen("\n".join(lines), rows), notice)
