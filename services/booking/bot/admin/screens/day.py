"""A day's bookings and a booking's card."""

from __future__ import annotations

from datetime import timedelta

from services.booking.bot.admin.callbacks import Act, Day, day_code
from services.booking.bot.admin.desk_callbacks import Desk
from services.booking.bot.admin.screens.parts import home_row
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.bookings import Card, DayView

ICONS = {"confirmed": "🟢", "completed": "✅", "cancelled": "❌", "no_show": "🚫"}


def day(w: Words, view: DayView) -> Screen:
    zone = view.business.timezone
    title = w("admin.day.title", day=w.day(view.day))
    rows = []
    lines = [title]
    for line in view.lines:
        b = line.booking
        label = w(
            "admin.day.item",
            icon="⏳" if line.held_until else ICONS[b.status],
            starts=w.time(b.starts_at, zone),
            ends=w.time(b.ends_at, zone),
            service=b.service_name,
            master=b.master_name,
            customer=line.customer.name or w("admin.card.no_name"),
        )
        lines.append(esc(label))
        rows.append([button(label[:60], Act(a="v", b=b.id).pack())])
    if not view.lines:
        lines.append(w("admin.day.empty"))
    if view.day >= view.today:
        rows.append([button(w("admin.phone.from_day"), Desk(a="q", t=day_code(view.day)).pack())])
    rows.append(
        [
            button("‹", Day(d=day_code(view.day - timedelta(days=1))).pack()),
            button(w("admin.day.today"), Day(d=0).pack()),
            button("›", Day(d=day_code(view.day + timedelta(days=1))).pack()),
        ]
    )
    rows.append(home_row(w))
    return Screen("\n".join(lines), rows)


def card(w: Words, found: Card, *, notice: str = "") -> Screen:
    b = found.line.booking
    customer = found.line.customer
    zone = found.business.timezone
    parts = [
        w(
            "admin.card.text",
            customer=esc(customer.name or w("admin.card.no_name")),
            phone=esc(customer.phone or "—"),
            service=esc(b.service_name),
            master=esc(b.master_name),
            when=w.when(b.starts_at, zone),
            ends=w.time(b.ends_at, zone),
            price=w.money(b.price_kopecks),
            status=w(f"admin.status.{b.status}"),
        )
    ]
    if found.line.held_until is not None:
        parts.append(w("admin.prepay.held_until", until=w.time(found.line.held_until, zone)))
    if b.status == "cancelled" and b.cancel_reason:
        parts.append(w("admin.card.reason", reason=esc(b.cancel_reason)))
    if notice:
        parts.insert(0, notice)
    rows = []
    if b.status == "confirmed":
        if found.started:
            rows.append(
                [
                    button(w("admin.card.done"), Act(a="done", b=b.id).pack()),
                    button(w("admin.card.no_show"), Act(a="ns", b=b.id).pack()),
                ]
            )
        rows.append([button(w("admin.card.cancel"), Act(a="x", b=b.id).pack())])
    rows.append([w.back(Day(d=day_code(found.day)).pack())])
    return Screen("\n\n".join(parts), rows)


def ask_reason(w: Words, found: Card) -> Screen:
    b = found.line.booking
    text = w(
        "admin.cancel.ask",
        service=esc(b.service_name),
        when=w.when(b.starts_at, found.business.timezone),
        customer=esc(found.line.customer.name or w("admin.card.no_name")),
    )
    return Screen(
        text,
        [
            [button(w("admin.cancel.no_reason"), Act(a="x0", b=b.id).pack())],
            [w.back(Act(a="v", b=b.id).pack())],
        ],
    )
