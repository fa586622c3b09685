"""«Мои записи»: the list, cancelling, moving."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.booking.bot import codes
from services.booking.bot.callbacks import Manage, Menu, MoveTo, PickDay
from services.booking.bot.screens.common import Screen, Words, button, details, esc
from services.booking.bot.screens.prepay import pay_button
from services.booking.bot.slotwait_callbacks import WaitList
from services.booking.domain.entities import Booking
from services.booking.use_cases.manage import Changed, MyBookings


def _about(w: Words, booking: Booking, zone: str) -> str:
    return details(
        w,
        booking.service_name,
        booking.master_name,
        w.when(booking.starts_at, zone),
        booking.price_kopecks,
    )


def my_list(w: Words, mine: MyBookings, *, notice: str = "") -> Screen:
    zone = mine.business.timezone
    if not mine.items:
        text = w("my.empty")
        rows = [
            [button(w("menu.book"), Menu(action="book").pack())],
            [button(w("slotwait.mine"), WaitList().pack())],
            [w.home_button()],
        ]
        return Screen(f"{notice}\n\n{text}" if notice else text, rows)
    parts = [w("my.title")]
    rows = []
    for number, item in enumerate(mine.items, start=1):
        line = w("my.item", n=number, details=_about(w, item.booking, zone))
        if item.held is not None:
            line += "\n" + w("prepay.my_held", until=w.time(item.held.hold_until, zone))
        elif not (item.can_cancel and item.can_move):
            key = "my.call_phone" if mine.business.phone else "my.call_us"
            line += "\n" + w(key, phone=esc(mine.business.phone))
        parts.append(line)
        rows.append(
            [
                button(w("my.cancel", n=number), Manage(a="cancel", b=item.booking.id).pack()),
                button(w("my.move", n=number), Manage(a="move", b=item.booking.id).pack()),
            ]
            if item.held is None
            else [
                button(w("my.cancel", n=number), Manage(a="cancel", b=item.booking.id).pack()),
                *pay_button(w, item.held),
            ]
        )
    rows.append([button(w("slotwait.mine"), WaitList().pack())])
    rows.append([w.home_button()])
    text = "\n\n".join(parts)
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def ask_cancel(w: Words, changed: Changed) -> Screen:
    text = w("my.ask_cancel", details=_about(w, changed.booking, changed.business.timezone))
    return Screen(
        text,
        [
            [button(w("my.sure"), Manage(a="sure", b=changed.booking.id).pack())],
            [w.back(Menu(action="my").pack())],
        ],
    )


def cancelled(w: Words, changed: Changed) -> Screen:
    text = w("my.cancelled", details=_about(w, changed.booking, changed.business.timezone))
    paid = changed.prepayment
    if paid is not None and paid.status in ("refunding", "refunded"):
        text += "\n\n" + w("prepay.refund_on_cancel", amount=w.money(paid.amount_kopecks))
    return Screen(
        text,
        [
            [button(w("menu.book"), Menu(action="book").pack())],
            [button(w("menu.my"), Menu(action="my").pack())],
            [w.home_button()],
        ],
    )


def ask_move(w: Words, changed: Changed, starts_at: datetime) -> Screen:
    zone = changed.business.timezone
    booking = changed.booking
    text = w(
        "my.ask_move",
        details=_about(w, booking, zone),
        when=w.when(starts_at, zone),
    )
    day = codes.day_code(starts_at.astimezone(ZoneInfo(zone)).date())
    return Screen(
        text,
        [
            [button(w("book.confirm"), MoveTo(b=booking.id, t=codes.minutes(starts_at)).pack())],
            [w.back(PickDay(s=0, m=0, b=booking.id, d=day).pack())],
            [button(w("menu.my"), Menu(action="my").pack())],
        ],
    )


def moved(w: Words, changed: Changed) -> Screen:
    text = w("my.moved", details=_about(w, changed.booking, changed.business.timezone))
    return Screen(
        text,
        [[button(w("menu.my"), Menu(action="my").pack())], [w.home_button()]],
    )


def attendance(w: Words, changed: Changed) -> Screen:
    text = w("visit.thanks", details=_about(w, changed.booking, changed.business.timezone))
    return Screen(text, [[button(w("menu.my"), Menu(action="my").pack())]])
