"""The week at a glance: a monospace grid (`<pre>`), one line per day, one character per half
hour (or hour), readable on a phone; buttons open a day, switch master, and page weeks."""

from __future__ import annotations

from datetime import timedelta

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.callbacks import Day, day_code
from services.booking.bot.admin.desk_callbacks import Glance
from services.booking.bot.admin.screens.parts import home_row
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.week import Cell, WeekView

GLYPHS: dict[Cell, str] = {"busy": "█", "some": "▒", "free": "·", "closed": " "}
LABEL_CELLS = {30: 4, 60: 3}  # a time label every 2 hours (half-hour cells) or 3 hours


def header(view: WeekView, width: int) -> str:
    every = LABEL_CELLS[view.cell_min]
    parts = []
    for index in range(0, width, every):
        hour = (view.first_minute + index * view.cell_min) // 60
        parts.append(f"{hour:<{every}}"[:every])
    return "".join(parts)[:width].rstrip()


def grid(w: Words, view: WeekView) -> str:
    width = len(view.rows[0].cells) if view.rows else 0
    lines = [" " * 6 + header(view, width)]
    for row in view.rows:
        mark = "›" if row.day == view.today else " "
        head = f"{w(f'weekday.{row.day.weekday()}')}{mark}{row.day.day:02d} "
        if all(c == "closed" for c in row.cells) and not row.bookings:
            lines.append(head + w("admin.week.off"))
            continue
        cells = "".join(GLYPHS[c] for c in row.cells)
        count = f" {row.bookings}" if row.bookings else ""
        lines.append(head + cells + count)
    return "\n".join(lines)


def _day_buttons(w: Words, view: WeekView) -> list[list[InlineKeyboardButton]]:
    buttons = [
        button(
            f"{w(f'weekday.{r.day.weekday()}')} {r.day.day}"
            + (f" ({r.bookings})" if r.bookings else ""),
            Day(d=day_code(r.day)).pack(),
        )
        for r in view.rows
    ]
    return [buttons[:4], buttons[4:]]


def week(w: Words, view: WeekView) -> Screen:
    sunday = view.monday + timedelta(days=6)
    who = esc(view.master.name) if view.master is not None else w("admin.week.everyone")
    title = w("admin.week.title", first=w.day(view.monday), last=w.day(sunday), who=who)
    text = f"{title}\n<pre>{esc(grid(w, view))}</pre>\n{w('admin.week.legend')}"
    shown = view.master.id if view.master is not None else 0
    rows = _day_buttons(w, view)
    if view.masters:
        choices = [(0, w("admin.week.everyone")), *((m.id, m.name) for m in view.masters)]
        buttons = [
            button(
                ("• " if mid == shown else "") + name[:30],
                Glance(m=mid, w=day_code(view.monday)).pack(),
            )
            for mid, name in choices
        ]
        rows.extend(buttons[i : i + 3] for i in range(0, len(buttons), 3))
    rows.append(
        [
            button("‹", Glance(m=shown, w=day_code(view.monday - timedelta(days=7))).pack()),
            button(w("admin.week.this"), Glance(m=shown).pack()),
            button("›", Glance(m=shown, w=day_code(view.monday + timedelta(days=7))).pack()),
        ]
    )
    rows.append(home_row(w))
    return Screen(text, rows)
