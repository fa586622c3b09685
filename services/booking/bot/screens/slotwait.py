"""The waitlist for freed time: choosing the days, joined, the customer's entries, an offer
taken by someone else."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardButton

from services.booking.bot import codes
from services.booking.bot.callbacks import Menu, PickMaster
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.bot.slotwait_callbacks import WaitAdd, WaitJoin, WaitLeave, WaitList
from services.booking.use_cases.slotwait.entries import SPANS, Joined, Mine
from services.booking.use_cases.slotwait.ports import WaitEntry


def join_button(
    w: Words, service_id: int, master_id: int, day: date | None
) -> list[InlineKeyboardButton]:
    code = codes.day_code(day) if day else 0
    return [button(w("slotwait.join"), WaitJoin(s=service_id, m=master_id, d=code).pack())]


def ask_days(w: Words, service_id: int, master_id: int, day: date | None) -> Screen:
    code = codes.day_code(day) if day else 0
    rows = []
    if day is not None:
        rows.append(
            [
                button(
                    w("slotwait.only_day", day=w.day(day)),
                    WaitAdd(s=service_id, m=master_id, d=code, n=1).pack(),
                )
            ]
        )
    rows.append(
        [
            button(w(f"slotwait.span.{n}"), WaitAdd(s=service_id, m=master_id, d=code, n=n).pack())
            for n in SPANS[1:]
        ]
    )
    rows.append([w.back(PickMaster(s=service_id, m=master_id).pack())])
    return Screen(w("slotwait.ask_days"), rows)


def _days(w: Words, entry: WaitEntry) -> str:
    if entry.first_day == entry.last_day:
        return w.day(entry.first_day)
    return w("slotwait.range", first=w.day(entry.first_day), last=w.day(entry.last_day))


def _line(w: Words, entry: WaitEntry) -> str:
    master = esc(entry.master_name) if entry.master_id else w("book.any_master")
    return w("slotwait.line", service=esc(entry.service_name), master=master, days=_days(w, entry))


def joined(w: Words, done: Joined) -> Screen:
    key = "slotwait.joined" if done.created else "slotwait.already"
    return Screen(
        w(key, line=_line(w, done.entry)),
        [[button(w("slotwait.mine"), WaitList().pack())], [w.home_button()]],
    )


def mine(w: Words, found: Mine, *, notice: str = "") -> Screen:
    if not found.entries:
        text = w("slotwait.empty")
        rows = [[button(w("menu.book"), Menu(action="book").pack())]]
    else:
        lines = [w("slotwait.title")]
        rows = []
        for n, entry in enumerate(found.entries, start=1):
            lines.append(f"{n}. {_line(w, entry)}")
            rows.append([button(w("slotwait.leave", n=n), WaitLeave(e=entry.id).pack())])
        text = "\n\n".join(lines)
    rows.append([button(w("menu.my"), Menu(action="my").pack())])
    rows.append([w.home_button()])
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def taken(w: Words) -> Screen:
    return Screen(
        w("slotwait.taken_text"),
        [[button(w("slotwait.mine"), WaitList().pack())], [w.home_button()]],
    )


def gone(w: Words) -> Screen:
    return Screen(
        w("slotwait.gone_text"),
        [
            [button(w("menu.book"), Menu(action="book").pack())],
            [button(w("slotwait.mine"), WaitList().pack())],
            [w.home_button()],
        ],
    )
