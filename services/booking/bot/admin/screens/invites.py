"""Invite links: for which role, for which master, and the link made."""

from __future__ import annotations

from services.booking.bot.admin.callbacks import Member, Nav
from services.booking.bot.admin.closure_callbacks import Invite
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.invites import Made
from services.booking.use_cases.admin.ports import MasterRow


def roles(w: Words) -> Screen:
    rows = [
        [button(w("admin.invite.admin"), Invite(a="admin", m=0).pack())],
        [button(w("admin.invite.master"), Invite(a="pick", m=0).pack())],
        [  # adding by a numeric Telegram id stays, off the main path
            button(w("admin.stf.add_admin"), Member(a="admin", p=0).pack()),
            button(w("admin.stf.add_master"), Member(a="master", p=0).pack()),
        ],
        [w.back(Nav(to="stf").pack())],
    ]
    return Screen(w("admin.invite.title"), rows)


def masters(w: Words, found: list[MasterRow]) -> Screen:
    rows = [[button(m.name, Invite(a="master", m=m.id).pack())] for m in found]
    rows.append([w.back(Invite(a="list", m=0).pack())])
    return Screen(w("admin.invite.which_master"), rows)


def made(w: Words, invite: Made, bot_username: str, zone: str) -> Screen:
    link = f"https://t.me/{bot_username}?start={invite.payload}"
    role = (
        w("admin.invite.as_master", name=esc(invite.master_name))
        if invite.role == "master"
        else w("admin.role.admin")
    )
    text = w("admin.invite.made", role=role, link=link, until=w.when(invite.expires_at, zone))
    return Screen(text, [[w.back(Nav(to="stf").pack())]])
