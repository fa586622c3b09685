"""The audit log screen: entries newest first (when, who, what, to what, before → after), one
button per person to filter by, and pages."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.client_callbacks import Audit
from services.booking.bot.admin.screens.parts import home_row
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.audit import AuditPage
from services.booking.use_cases.admin.audit_ports import AuditRow

MAX_VALUE = 60


def _short(value: Any) -> str:
    text = "—" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def changes(before: Any, after: Any) -> str:
    """`price_kopecks: 150000 → 200000; name: A → B` for dicts (changed keys only), else the
    two values."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        keys = [k for k in {**old, **new} if old.get(k) != new.get(k)]
        return "; ".join(f"{k}: {_short(old.get(k))} → {_short(new.get(k))}" for k in keys)
    if before is None and after is None:
        return ""
    return f"{_short(before)} → {_short(after)}"


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
    diff = changes(e.before, e.after)
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
