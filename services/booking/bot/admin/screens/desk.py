"""Screens of a booking for a caller and of a staff move: the customer search, the new
customer, service, master, day, time, the summary, and the fresh times after a lost race."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.callbacks import Act, Day, day_code
from services.booking.bot.admin.desk_callbacks import Desk, Move, minute_code
from services.booking.bot.admin.screens.parts import home_row
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.domain.entities import Customer, MasterInfo, ServiceInfo
from services.booking.use_cases.admin.callers import Found
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.phone_booking import Step, Times
from services.booking.use_cases.admin.staff_moves import MoveDays, MoveTimes

PER_ROW = 4


def _grid(
    buttons: list[InlineKeyboardButton], per_row: int = PER_ROW
) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _ids(step: Step) -> tuple[int, int, int]:
    """The customer, service and master ids of the pick (0 = not chosen yet)."""
    service = step.service.id if step.service is not None else 0
    master = step.master.id if step.master is not None else 0
    return step.customer.id, service, master


def who(w: Words, customer: Customer) -> str:
    name = customer.name or w("admin.card.no_name")
    return f"{name} · {customer.phone}" if customer.phone else name


def ask(w: Words, day: int) -> Screen:
    back = Day(d=day).pack() if day else None
    rows = [[w.back(back)]] if back else []
    rows.append(home_row(w))
    return Screen(w("admin.phone.ask"), rows)


def found(w: Words, result: Found, day: int) -> Screen:
    rows = [[button(who(w, c)[:60], Desk(a="s", c=c.id, t=day).pack())] for c in result.customers]
    rows.append([button(w("admin.phone.new_button"), Desk(a="new", t=day).pack())])
    rows.append(home_row(w))
    return Screen(w("admin.phone.found"), rows)


def ask_new(w: Words, day: int, *, name: str = "", phone: str = "") -> Screen:
    if phone and not name:
        text = w("admin.phone.need_name", phone=esc(phone))
    elif name and not phone:
        text = w("admin.phone.need_phone", name=esc(name))
    else:
        text = w("admin.phone.ask_new")
    return Screen(text, [[w.back(Desk(a="q", t=day).pack())], home_row(w)])


def _head(w: Words, step: Step) -> list[str]:
    lines = [w("admin.phone.customer", customer=esc(who(w, step.customer)))]
    if step.service is not None:
        lines.append(w("admin.phone.service", service=esc(step.service.name)))
    if step.master is not None:
        lines.append(w("admin.phone.master", master=esc(step.master.name)))
    return lines


def services(w: Words, step: Step, items: list[ServiceInfo], day: int) -> Screen:
    c = step.customer.id
    rows = [
        [
            button(
                f"{s.name} · {w.duration(s.duration_min)}"[:60],
                Desk(a="m", c=c, s=s.id, t=day).pack(),
            )
        ]
        for s in items
    ]
    if not items:
        return Screen(w("admin.phone.no_services"), [home_row(w)])
    rows.append(home_row(w))
    return Screen("\n".join([*_head(w, step), "", w("admin.phone.pick_service")]), rows)


def masters(w: Words, step: Step, items: list[MasterInfo], day: int) -> Screen:
    c, s, _ = _ids(step)
    rows = [
        [button(m.name[:60], Desk(a="t" if day else "d", c=c, s=s, m=m.id, t=day).pack())]
        for m in items
    ]
    rows.append([w.back(Desk(a="s", c=c, t=day).pack())])
    if not items:
        return Screen(w("admin.phone.no_masters"), rows)
    return Screen("\n".join([*_head(w, step), "", w("admin.phone.pick_master")]), rows)


def day_label(w: Words, day: date, free: bool) -> str:
    label = f"{w(f'weekday.{day.weekday()}')} {day.day}"
    return label if free else f"·{label}·"


def days(w: Words, step: Step, items: list[tuple[date, bool]]) -> Screen:
    c, s, m = _ids(step)
    buttons = [
        button(day_label(w, day, free), Desk(a="t", c=c, s=s, m=m, t=day_code(day)).pack())
        for day, free in items
    ]
    rows = _grid(buttons)
    rows.append([w.back(Desk(a="m", c=c, s=s).pack())])
    return Screen("\n".join([*_head(w, step), "", w("admin.phone.pick_day")]), rows)


def _time_buttons(
    w: Words, stamps: tuple[datetime, ...], zone: str, make: Callable[[datetime], str]
) -> list[list[InlineKeyboardButton]]:
    return _grid([button(w.time(t, zone), make(t)) for t in stamps], 5)


def times(w: Words, found_times: Times, *, notice: str = "") -> Screen:
    step = found_times.step
    c, s, m = _ids(step)
    zone = step.business.timezone
    rows = _time_buttons(
        w, found_times.times, zone, lambda t: Desk(a="ok", c=c, s=s, m=m, t=minute_code(t)).pack()
    )
    rows.append([button(w("admin.phone.other_day"), Desk(a="d", c=c, s=s, m=m).pack())])
    lines = [*_head(w, step), "", w("admin.phone.times", day=w.day(found_times.day))]
    if not found_times.times:
        lines.append(w("admin.phone.no_times"))
    if notice:
        lines.insert(0, notice + "\n")
    return Screen("\n".join(lines), rows)


def summary(w: Words, step: Step, starts_at: datetime) -> Screen:
    c, s, m = _ids(step)
    if step.service is None or step.master is None:
        raise BadInput("bad_button")
    zone = step.business.timezone
    text = w(
        "admin.phone.summary",
        customer=esc(who(w, step.customer)),
        service=esc(step.service.name),
        master=esc(step.master.name),
        when=w.when(starts_at, zone),
        price=w.money(step.service.price_kopecks),
    )
    day = day_code(starts_at.astimezone(ZoneInfo(zone)).date())
    rows = [
        [
            button(
                w("admin.phone.confirm"),
                Desk(a="go", c=c, s=s, m=m, t=minute_code(starts_at)).pack(),
            )
        ],
        [button(w("admin.phone.other_time"), Desk(a="t", c=c, s=s, m=m, t=day).pack())],
    ]
    return Screen(text, rows)


def move_days(w: Words, found_days: MoveDays) -> Screen:
    b = found_days.line.booking
    text = w(
        "admin.card.move_days",
        service=esc(b.service_name),
        customer=esc(found_days.line.customer.name or w("admin.card.no_name")),
        when=w.when(b.starts_at, found_days.business.timezone),
    )
    buttons = [
        button(day_label(w, day, free), Move(a="t", b=b.id, t=day_code(day)).pack())
        for day, free in found_days.days
    ]
    rows = _grid(buttons)
    rows.append([w.back(Act(a="v", b=b.id).pack())])
    return Screen(text, rows)


def move_times(w: Words, found_times: MoveTimes, *, notice: str = "") -> Screen:
    b = found_times.line.booking
    zone = found_times.business.timezone
    rows = _time_buttons(
        w, found_times.times, zone, lambda t: Move(a="go", b=b.id, t=minute_code(t)).pack()
    )
    rows.append([button(w("admin.phone.other_day"), Move(a="d", b=b.id).pack())])
    rows.append([w.back(Act(a="v", b=b.id).pack())])
    lines = [w("admin.card.move_times", day=w.day(found_times.day), when=w.when(b.starts_at, zone))]
    if not found_times.times:
        lines.append(w("admin.phone.no_times"))
    if notice:
        lines.insert(0, notice + "\n")
    return Screen("\n".join(lines), rows)
