"""The admin home: the sections the staff member's role opens."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.callbacks import Day, Nav
from services.booking.bot.admin.client_callbacks import Audit, Clients
from services.booking.bot.admin.closure_callbacks import Closures
from services.booking.bot.admin.desk_callbacks import Desk, Glance
from services.booking.bot.admin.marketing_callbacks import Bcast
from services.booking.bot.admin.owner_callbacks import Lang, Reviews, WizStep
from services.booking.bot.admin.prepay_callbacks import PrepayNav
from services.booking.bot.admin.stats_callbacks import Stats
from services.booking.bot.admin.text_callbacks import Txt
from services.booking.bot.admin.waitlist_callbacks import WaitAdmin
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.access import manages_all
from services.booking.use_cases.admin.ports import Staff


def home(w: Words, staff: Staff, business_name: str) -> Screen:
    text = w("admin.home.title", name=esc(business_name), role=w(f"admin.role.{staff.role}"))
    rows = [[button(w("admin.home.today"), Day(d=0).pack())]]
    rows.append(
        [
            button(w("admin.phone.home"), Desk(a="q").pack()),
            button(w("admin.week.home"), Glance().pack()),
        ]
    )
    if manages_all(staff):
        rows.append(
            [
                button(w("admin.home.services"), Nav(to="svc").pack()),
                button(w("admin.home.masters"), Nav(to="mst").pack()),
            ]
        )
    rows.append([button(w("admin.home.schedule"), Nav(to="sch").pack())])
    rows.append([button(w("admin.closure.home"), Closures(a="list").pack())])
    rows.append([button(w("admin.stats.home"), Stats(a="m", f=0, t=0).pack())])
    last = []
    if staff.role == "owner":
        last.append(button(w("admin.home.staff"), Nav(to="stf").pack()))
    if manages_all(staff):
        last.append(button(w("admin.home.settings"), Nav(to="set").pack()))
    if last:
        rows.append(last)
    if manages_all(staff):
        growth = [button(w("admin.clients.home"), Clients().pack())]
        if staff.role == "owner":
            growth.append(button(w("admin.audit.home"), Audit().pack()))
        rows.append(growth)
        rows.append(
            [
                button(w("admin.bcast.home"), Bcast(a="menu").pack()),
                button(w("admin.slotwait.home"), WaitAdmin().pack()),
            ]
        )
    rows += owner_rows(w, staff)
    return Screen(text, rows)


def owner_rows(w: Words, staff: Staff) -> list[list[InlineKeyboardButton]]:
    """Reviews for everyone (a master sees their own), language and zone for managers, the
    setup wizard for the owner."""
    first = [button(w("admin.reviews.button"), Reviews(p=0).pack())]
    if manages_all(staff):
        first.insert(0, button(w("admin.lang.button"), Lang(a="v").pack()))
    rows = [first]
    if staff.role == "owner":
        rows.append([button(w("admin.wizard.button"), WizStep(to="now").pack())])
        rows.append(  # the owner's own wording; prepayment through their own shop
            [
                button(w("admin.texts.button"), Txt().pack()),
                button(w("admin.prepay.button"), PrepayNav(a="v").pack()),
            ]
        )
    return rows
