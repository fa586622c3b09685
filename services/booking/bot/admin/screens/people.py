"""Staff (owner only) and the business's settings."""

from __future__ import annotations

from typing import get_args

from services.booking.bot.admin.callbacks import ExportData, Member, Nav, Setting
from services.booking.bot.admin.closure_callbacks import Invite
from services.booking.bot.admin.screens.parts import home_row, with_notice
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.ports import Settings, Staff
from services.booking.use_cases.admin.settings import Field

ICONS = {"owner": "👑", "admin": "🛠", "master": "✂️"}
FIELDS: tuple[Field, ...] = get_args(Field)


def who(w: Words, member: Staff) -> str:
    return member.name or w("admin.stf.id", id=member.telegram_id)


def staff(w: Words, members: list[Staff], *, notice: str = "") -> Screen:
    lines = [w("admin.stf.title")]
    rows = []
    for member in members:
        label = f"{ICONS[member.role]} " + w(
            "admin.stf.item", who=who(w, member), role=w(f"admin.role.{member.role}")
        )
        lines.append(esc(label) + f" · <code>{member.telegram_id}</code>")
        if member.role != "owner":
            rows.append([button(label, Member(a="v", p=member.id).pack())])
    rows.append([button(w("admin.invite.button"), Invite(a="list", m=0).pack())])
    rows.append(home_row(w))
    return with_notice(Screen("\n".join(lines), rows), notice)


def member(w: Words, found: Staff, *, sure: bool = False) -> Screen:
    text = w(
        "admin.stf.card",
        who=esc(who(w, found)),
        role=w(f"admin.role.{found.role}"),
        id=found.telegram_id,
    )
    if sure:
        text += "\n\n" + w("admin.stf.ask_remove")
        action = button(w("admin.stf.sure"), Member(a="sure", p=found.id).pack())
    else:
        action = button(w("admin.stf.remove"), Member(a="rm", p=found.id).pack())
    return Screen(text, [[action], [w.back(Nav(to="stf").pack())]])


def _value(w: Words, field: str, values: Settings) -> str:
    minutes = {
        "step": values.slot_step_min,
        "notice": values.min_notice_min,
        "cancel": values.cancel_cutoff_min,
        "move": values.reschedule_cutoff_min,
    }
    if field in minutes:
        return w.duration(minutes[field]) if minutes[field] else "0"
    if field == "remind":
        offsets = values.reminder_offsets_min
        return ", ".join(w.duration(m) for m in offsets) or w("admin.set.none")
    plain = {
        "name": values.name,
        "address": values.address,
        "phone": values.phone,
        "horizon": values.horizon_days,
        "limit": values.max_active_bookings,
    }
    return esc(plain[field]) or "—"


def settings(w: Words, values: Settings, *, notice: str = "") -> Screen:
    lines = [w("admin.set.title")]
    lines += [
        w("admin.set.line", label=w(f"admin.set.{f}"), value=_value(w, f, values)) for f in FIELDS
    ]
    buttons = [button(w(f"admin.set.{f}"), Setting(f=f).pack()) for f in FIELDS]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(w("admin.data_export.button"), ExportData().pack())])
    rows.append(home_row(w))
    return with_notice(Screen("\n".join(lines), rows), notice)
