"""«🕓 Лист ожидания» for owners and admins: who waits for a day (‹ › to move), for which
service and master, with their phone; read only (customers join and leave themselves)."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Router
from aiogram.types import CallbackQuery

from services.booking.bot import codes
from services.booking.bot.admin.callbacks import Nav
from services.booking.bot.admin.waitlist_callbacks import WaitAdmin
from services.booking.bot.replies import show
from services.booking.bot.screens import Screen, Words, esc
from services.booking.bot.screens.common import button
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.slotwait.admin_view import WaitDay, on_day


def screen(w: Words, view: WaitDay) -> Screen:
    lines = [w("admin.slotwait.title", day=w.day(view.day))]
    if not view.rows:
        lines.append(w("admin.slotwait.empty"))
    for n, row in enumerate(view.rows, start=1):
        days = w.day(row.first_day)
        if row.last_day != row.first_day:
            days = w("slotwait.range", first=days, last=w.day(row.last_day))
        lines.append(
            w(
                "admin.slotwait.line",
                n=n,
                name=esc(row.customer_name or "—"),
                phone=esc(row.phone or "—"),
                service=esc(row.service_name),
                master=esc(row.master_name) if row.master_name else w("book.any_master"),
                days=days,
            )
        )
    earlier = view.day - timedelta(days=1)
    later = view.day + timedelta(days=1)
    nav = []
    if earlier >= view.today:
        nav.append(button("‹", WaitAdmin(d=codes.day_code(earlier)).pack()))
    nav.append(button("›", WaitAdmin(d=codes.day_code(later)).pack()))
    return Screen("\n\n".join(lines), [nav, [w.back(Nav(to="home").pack())]])


async def day_view(
    callback: CallbackQuery, callback_data: WaitAdmin, staff: Staff, admin: AdminScope, words: Words
) -> None:
    day = codes.day(callback_data.d) if callback_data.d else None
    await show(callback, screen(words, await on_day(admin, staff, day)))


def router() -> Router:
    feature = Router(name="admin-slotwait")
    feature.callback_query.register(day_view, WaitAdmin.filter())
    return feature
