"""Schedules: whose, a master's week, a weekday, the month to pick a date, one date."""

from __future__ import annotations

import calendar
from datetime import date
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.callbacks import (
    Date,
    Month,
    Nav,
    Unblock,
    Week,
    WeekDay,
    day_code,
)
from services.booking.bot.admin.screens.parts import home_row, hours, hours_list, with_notice
from services.booking.bot.callbacks import Blank
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.closure_ports import CLOSURE_REASON
from services.booking.use_cases.admin.dates import DateView, MonthMarks
from services.booking.use_cases.admin.ports import MasterRow
from services.booking.use_cases.admin.schedule import WeekDay as Weekday
from services.booking.use_cases.admin.schedule import WeekView

MARKS = {"off": "🚫", "changed": "✎"}


def whose(w: Words, rows: list[MasterRow]) -> Screen:
    buttons = [[button(m.name, Week(m=m.id).pack())] for m in rows]
    buttons.append(home_row(w))
    return Screen(w("admin.sch.title"), buttons)


def _day_line(w: Words, day: Weekday) -> str:
    name = w(f"weekday.{day.weekday}")
    if not day.hours:
        return w("admin.sch.closed", day=name)
    line = w("admin.sch.open", day=name, hours=hours_list(day.hours))
    if day.breaks:
        line += w("admin.sch.breaks", hours=hours_list(day.breaks))
    return line


def week(w: Words, view: WeekView, *, notice: str = "") -> Screen:
    m = view.master
    text = "\n".join([w("admin.sch.week", name=esc(m.name)), *(_day_line(w, d) for d in view.days)])
    days = [button(w(f"weekday.{d}"), WeekDay(a="v", m=m.id, w=d).pack()) for d in range(7)]
    rows = [
        days[:4],
        days[4:],
        [button(w("admin.sch.dates"), Month(m=m.id, ym=0).pack())],
        [w.back(Nav(to="sch").pack())],
    ]
    return with_notice(Screen(text, rows), notice)


def weekday(w: Words, view: WeekView, number: int) -> Screen:
    m = view.master
    day = view.days[number]
    text = w("admin.sch.weekday", name=esc(m.name), line=_day_line(w, day))
    rows = [
        [button(w("admin.sch.set_hours"), WeekDay(a="hours", m=m.id, w=number).pack())],
        [button(w("admin.sch.set_break"), WeekDay(a="brk", m=m.id, w=number).pack())],
        [button(w("admin.sch.make_off"), WeekDay(a="off", m=m.id, w=number).pack())],
        [w.back(Week(m=m.id).pack())],
    ]
    return Screen(text, rows)


def _cell(found: MonthMarks, day: date) -> InlineKeyboardButton:
    if day < found.today:
        return button(" ", Blank().pack())
    label = MARKS.get(found.marks.get(day, ""), "") + str(day.day)
    return button(label, Date(a="v", m=found.master.id, d=day_code(day)).pack())


def month(w: Words, found: MonthMarks) -> Screen:
    m = found.master.id
    rows = [[button(f"{w(f'month.{found.month}')} {found.year}", Blank().pack())]]
    rows.append([button(w(f"weekday.{d}"), Blank().pack()) for d in range(7)])
    rows.extend(
        [_cell(found, d) if d.month == found.month else button(" ", Blank().pack()) for d in days]
        for days in calendar.Calendar().monthdatescalendar(found.year, found.month)
    )
    arrows = []
    if found.can_go_back:
        previous = (
            found.year * 100 + found.month - 1 if found.month > 1 else (found.year - 1) * 100 + 12
        )
        arrows.append(button("‹", Month(m=m, ym=previous).pack()))
    if found.can_go_forward:
        following = (
            found.year * 100 + found.month + 1 if found.month < 12 else (found.year + 1) * 100 + 1
        )
        arrows.append(button("›", Month(m=m, ym=following).pack()))
    if arrows:
        rows.append(arrows)
    rows.append([w.back(Week(m=m).pack())])
    return Screen(w("admin.cal.title", name=esc(found.master.name)), rows)


def _state(w: Words, view: DateView) -> str:
    rows = view.rows
    if rows.business_closed:
        return w("admin.date.closed")
    if rows.day_off:
        return w("admin.date.off")
    if rows.changed:
        return w("admin.date.changed", hours=hours_list(rows.changed))
    return w("admin.date.usual")


def date_screen(w: Words, view: DateView, *, notice: str = "") -> Screen:
    m = view.master.id
    code = day_code(view.day)
    weekly = hours_list(view.weekly) or w("admin.date.weekly_off")
    if view.breaks:
        weekly += w("admin.sch.breaks", hours=hours_list(view.breaks))
    lines = [
        w("admin.date.title", name=esc(view.master.name), day=w.day(view.day)),
        w("admin.date.weekly", hours=weekly),
        _state(w, view),
    ]
    zone = ZoneInfo(view.timezone)
    spans = [
        (b.id, (b.starts_at.astimezone(zone).time(), b.ends_at.astimezone(zone).time()))
        for b in view.rows.blocked
        if b.reason != CLOSURE_REASON
    ]
    if len(spans) < len(view.rows.blocked):
        lines.append(w("admin.closure.on_date"))
    if spans:
        lines.append(w("admin.date.blocked", hours=", ".join(hours(s) for _, s in spans)))
    off = Date(a="on" if view.rows.day_off else "off", m=m, d=code).pack()
    rows = [
        [button(w("admin.date.undo_off" if view.rows.day_off else "admin.date.make_off"), off)],
        [button(w("admin.date.set_hours"), Date(a="hours", m=m, d=code).pack())],
    ]
    if view.rows.changed:
        rows.append([button(w("admin.date.reset"), Date(a="reset", m=m, d=code).pack())])
    rows.append([button(w("admin.date.block"), Date(a="block", m=m, d=code).pack())])
    for block_id, span in spans:
        rows.append(
            [button(w("admin.date.unblock", hours=hours(span)), Unblock(r=block_id).pack())]
        )
    back_month = view.day.year * 100 + view.day.month
    rows.append([w.back(Month(m=m, ym=back_month).pack())])
    return with_notice(Screen("\n".join(lines), rows), notice)
