"""Services and masters: lists, cards, and their typed questions."""

from __future__ import annotations

from services.booking.bot.admin.callbacks import Mst, MstLink, Nav, Svc, SvcMaster, Week
from services.booking.bot.admin.closure_callbacks import Profile
from services.booking.bot.admin.screens.parts import home_row, with_notice
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.catalog import ServiceCard
from services.booking.use_cases.admin.masters import MasterCard
from services.booking.use_cases.admin.ports import MasterRow, ServiceRow, Staff


def _paused(w: Words, active: bool) -> str:
    return "" if active else " " + w("admin.paused")


def services(w: Words, rows: list[ServiceRow], *, notice: str = "") -> Screen:
    buttons = [
        [
            button(
                w(
                    "admin.svc.item",
                    name=s.name,
                    price=w.money(s.price_kopecks),
                    duration=w.duration(s.duration_min),
                )
                + _paused(w, s.active),
                Svc(a="v", s=s.id).pack(),
            )
        ]
        for s in rows
    ]
    buttons.append([button(w("admin.svc.add"), Svc(a="new", s=0).pack())])
    buttons.append(home_row(w))
    text = w("admin.svc.title") if rows else w("admin.svc.empty")
    return with_notice(Screen(text, buttons), notice)


def service(w: Words, found: ServiceCard, *, notice: str = "") -> Screen:
    s = found.service
    performers = [m.name for m, on in found.masters if on]
    text = w(
        "admin.svc.card",
        name=esc(s.name),
        duration=w.duration(s.duration_min),
        price=w.money(s.price_kopecks),
        before=s.buffer_before_min,
        after=s.buffer_after_min,
        status=w("admin.active" if s.active else "admin.inactive"),
        masters=esc(", ".join(performers)) or w("admin.svc.nobody"),
    )
    rows = [
        [
            button(w("admin.svc.edit_name"), Svc(a="name", s=s.id).pack()),
            button(w("admin.svc.edit_dur"), Svc(a="dur", s=s.id).pack()),
        ],
        [
            button(w("admin.svc.edit_price"), Svc(a="price", s=s.id).pack()),
            button(w("admin.svc.edit_buf"), Svc(a="buf", s=s.id).pack()),
        ],
    ]
    for master, on in found.masters:
        mark = "✅" if on else "▫️"
        label = f"{mark} {master.name}{_paused(w, master.active)}"
        rows.append([button(label, SvcMaster(s=s.id, m=master.id).pack())])
    toggle = Svc(a="off" if s.active else "on", s=s.id).pack()
    rows.append([button(w("admin.deactivate" if s.active else "admin.activate"), toggle)])
    rows.append([w.back(Nav(to="svc").pack())])
    return with_notice(Screen(text, rows), notice)


def masters(w: Words, rows: list[MasterRow], *, notice: str = "") -> Screen:
    buttons = [[button(m.name + _paused(w, m.active), Mst(a="v", m=m.id).pack())] for m in rows]
    buttons.append([button(w("admin.mst.add"), Mst(a="new", m=0).pack())])
    buttons.append(home_row(w))
    text = w("admin.mst.title") if rows else w("admin.mst.empty")
    return with_notice(Screen(text, buttons), notice)


def _who(w: Words, member: Staff) -> str:
    return member.name or w("admin.stf.id", id=member.telegram_id)


def master(w: Words, found: MasterCard, *, notice: str = "") -> Screen:
    m = found.master
    text = w(
        "admin.mst.card",
        name=esc(m.name),
        status=w("admin.active" if m.active else "admin.inactive"),
        services=esc(", ".join(found.services)) or w("admin.mst.no_services"),
        staff=esc(", ".join(_who(w, s) for s in found.staff)) or w("admin.mst.no_staff"),
    )
    toggle = Mst(a="off" if m.active else "on", m=m.id).pack()
    rows = [
        [
            button(w("admin.mst.rename"), Mst(a="name", m=m.id).pack()),
            button(w("admin.mst.link"), Mst(a="link", m=m.id).pack()),
        ],
        [button(w("admin.home.schedule"), Week(m=m.id).pack())],
        [button(w("admin.profile.button"), Profile(a="v", m=m.id).pack())],
        [button(w("admin.deactivate" if m.active else "admin.activate"), toggle)],
        [w.back(Nav(to="mst").pack())],
    ]
    return with_notice(Screen(text, rows), notice)


def link_choices(w: Words, found: MasterCard) -> Screen:
    m = found.master
    rows = [
        [
            button(
                ("✅ " if s.master_id == m.id else "")
                + w("admin.stf.item", who=_who(w, s), role=w(f"admin.role.{s.role}")),
                MstLink(m=m.id, p=s.id).pack(),
            )
        ]
        for s in found.candidates
    ]
    rows.append([button(w("admin.mst.unlink"), MstLink(m=m.id, p=0).pack())])
    rows.append([w.back(Mst(a="v", m=m.id).pack())])
    return Screen(w("admin.mst.link_title", name=esc(m.name)), rows)
