"""The audit log screen: entries newest first (when, who, what, to what, before → after), one
button per person to filter by, and pages."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.client_callbacks import Audit
from services.booking.bot.admin.screens.parts import home_row
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.audit import AuditPage
from services.booking.use_cases.admin.audit_ports import AuditRow

MAX_VALUE = 60
_CLOCK = re.compile(r"\d\d:\d\d(:\d\d)?")
_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def _short(text: str) -> str:
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _label(w: Words, key: str) -> str:
    try:
        return w(f"admin.audit.field.{key}")
    except KeyError:
        return key


def _instant(text: str) -> datetime | None:
    """An ISO date-time with its offset (how `audit.plain` stores one), else None."""
    if "T" not in text:
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def value_text(w: Words, key: str, value: Any, zone: str) -> str:
    """One stored value as the owner reads it: yes/no, roubles, local times, lists."""
    if value in (None, "", [], {}):
        text = "—"
    elif isinstance(value, bool):
        text = w("admin.audit.yes") if value else w("admin.audit.no")
    elif isinstance(value, int) and key.endswith("_kopecks"):
        text = w.money(value)
    elif isinstance(value, list):
        text = _items(w, key, value, zone)
    elif isinstance(value, str):
        text = _text(w, value, zone)
    else:
        text = str(value)
    return text


def _items(w: Words, key: str, value: list[Any], zone: str) -> str:
    if len(value) == 2 and all(isinstance(v, str) and _CLOCK.fullmatch(v) for v in value):
        return f"{value[0][:5]}–{value[1][:5]}"  # a range of wall-clock times
    return ", ".join(value_text(w, key, item, zone) for item in value)


def _text(w: Words, value: str, zone: str) -> str:
    if _CLOCK.fullmatch(value):
        return value[:5]
    if _DAY.fullmatch(value):
        return w.day(date.fromisoformat(value))
    instant = _instant(value)
    return value if instant is None else w.when(instant, zone)


def changes(w: Words, before: Any, after: Any, zone: str) -> str:
    """`Цена: 1 500 ₽ → 1 800 ₽; Название: A → B` for dicts (changed keys only), else the
    two values."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        keys = [k for k in {**old, **new} if old.get(k) != new.get(k)]
        return "; ".join(
            f"{_label(w, k)}: {_short(value_text(w, k, old.get(k), zone))}"
            f" → {_short(value_text(w, k, new.get(k), zone))}"
            for k in keys
        )
    if before is None and after is None:
        return ""
    return f"{_short(value_text(w, '', before, zone))} → {_short(value_text(w, '', after, zone))}"


def action_name(w: Words, action: str) -> str:
    try:
        return w(f"admin.audit.action.{action}")
    except KeyError:
        return action


def entry(w: Words, row: AuditRow, zone: str) -> str:
    e = row.entry
    head = w(
        "admin.audit.entry",
        when=w.when(row.at, zone),
        who=esc(e.actor_name or str(e.actor_id)),
        what=esc(action_name(w, e.action)),
        target=esc(e.target),
    )
    diff = changes(w, e.before, e.after, zone)
    return f"{head}\n   {esc(diff)}" if diff else head


def audit_page(w: Words, found: AuditPage) -> Screen:
    who = next((p.name for p in found.people if p.actor_id == found.person), "")
    title = w("admin.audit.title", who=esc(who) if found.person else w("admin.audit.everyone"))
    lines = [title]
    if found.rows:
        lines.extend(entry(w, row, found.zone) for row in found.rows)
    else:
        lines.append(w("admin.audit.empty"))
    rows: list[list[InlineKeyboardButton]] = []
    paging = []
    if found.page > 0:
        paging.append(button("‹", Audit(s=found.person, p=found.page - 1).pack()))
    if found.more:
        paging.append(button("›", Audit(s=found.person, p=found.page + 1).pack()))
    if paging:
        rows.append(paging)
    people = [button(w("admin.audit.everyone"), Audit().pack())]
    people.extend(
        button(p.name or str(p.actor_id), Audit(s=p.actor_id).pack()) for p in found.people
    )
    rows.extend(people[i : i + 3] for i in range(0, len(people), 3))
    rows.append(home_row(w))
    return Screen("\n\n".join(lines), rows)
