"""A master's profile: description, photo, and the master's own price/duration per service."""

from __future__ import annotations

from services.booking.bot.admin.callbacks import Mst
from services.booking.bot.admin.closure_callbacks import MasterPrice, Profile
from services.booking.bot.admin.screens.parts import with_notice
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.profile_ports import OwnService, ProfileView


def _service_line(w: Words, s: OwnService) -> str:
    price = s.price_kopecks if s.own_price_kopecks is None else s.own_price_kopecks
    minutes = s.duration_min if s.own_duration_min is None else s.own_duration_min
    own = s.own_price_kopecks is not None or s.own_duration_min is not None
    mark = w("admin.profile.own_mark") if own else ""
    return f"{esc(s.name)} · {w.money(price)} · {w.duration(minutes)}{mark}"


def profile(w: Words, view: ProfileView, *, notice: str = "") -> Screen:
    m = view.master_id
    lines = [
        w("admin.profile.title", name=esc(view.name)),
        w("admin.profile.bio", bio=esc(view.bio)) if view.bio else w("admin.profile.no_bio"),
        w("admin.profile.has_photo" if view.photo_file_id else "admin.profile.no_photo"),
    ]
    if view.services:
        lines.append(w("admin.profile.services"))
        lines.extend(f"• {_service_line(w, s)}" for s in view.services)
    rows = [
        [
            button(w("admin.profile.edit_bio"), Profile(a="bio", m=m).pack()),
            button(w("admin.profile.edit_photo"), Profile(a="photo", m=m).pack()),
        ]
    ]
    rows.extend(
        [
            button(
                w("admin.profile.edit_own", service=s.name),
                MasterPrice(a="ask", m=m, s=s.service_id).pack(),
            )
        ]
        for s in view.services
    )
    rows.append([w.back(Mst(a="v", m=m).pack())])
    return with_notice(Screen("\n".join(lines), rows), notice)
