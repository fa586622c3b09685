"""The steps of a booking: service, master, calendar, times, summary, confirmation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton

from services.booking.bot import codes
from services.booking.bot.callbacks import (
    Blank,
    Confirm,
    Menu,
    PickDay,
    PickMaster,
    PickMonth,
    PickService,
    PickTime,
)
from services.booking.bot.screens import slotwait
from services.booking.bot.screens.common import Screen, Words, button, details, esc
from services.booking.bot.screens.master_profiles import (
    master_label,
    photo_rows,
    profiles_text,
)
from services.booking.domain.entities import Customer, MasterInfo, ServiceInfo
from services.booking.use_cases.booking import Confirmed
from services.booking.use_cases.calendar import MonthView
from services.booking.use_cases.choice import Choice, DayTimes, Picked
from services.booking.use_cases.custom_texts import shown
from services.booking.use_cases.prepay.ports import Prepayment

TIMES_PER_ROW = 4


@dataclass(frozen=True, slots=True)
class Flow:
    """What the calendar and time buttons carry: a new booking's (s, m) or a moved booking b."""

    s: int = 0
    m: int = 0
    b: int = 0

    @classmethod
    def of(cls, choice: Choice) -> Flow:
        if choice.booking_id is not None:
            return cls(b=choice.booking_id)
        return cls(s=choice.service_id, m=choice.master_id or 0)

    def month(self, year: int, month: int) -> str:
        code = codes.month_code(year, month)
        return PickMonth(s=self.s, m=self.m, b=self.b, ym=code).pack()

    def day(self, code: int) -> str:
        return PickDay(s=self.s, m=self.m, b=self.b, d=code).pack()

    def time(self, code: int) -> str:
        return PickTime(s=self.s, m=self.m, b=self.b, t=code).pack()

    def back_from_calendar(self) -> str:
        if self.b:
            return Menu(action="my").pack()
        return PickService(s=self.s).pack()


def _blank(text: str = " ") -> InlineKeyboardButton:
    return button(text, Blank().pack())


def services_list(w: Words, services: list[ServiceInfo]) -> Screen:
    rows = [
        [
            button(
                w(
                    "book.service_button",
                    name=s.name,
                    price=w.money(s.price_kopecks),
                    duration=w.duration(s.duration_min),
                ),
                PickService(s=s.id).pack(),
            )
        ]
        for s in services
    ]
    text = w("book.choose_service") if services else w("book.no_services")
    return Screen(
        text + described((s.name, s.description) for s in services), [*rows, [w.home_button()]]
    )


def described(items: Iterable[tuple[str, str]]) -> str:
    """The stored descriptions of what the customer chooses from, one line each (none: "")."""
    lines = [f"• <b>{esc(name)}</b> — {esc(text)}" for name, text in items if text.strip()]
    return "\n\n" + "\n".join(lines) if lines else ""


def masters_list(w: Words, service: ServiceInfo, masters: list[MasterInfo]) -> Screen:
    rows = [
        [button(master_label(w, service, m), PickMaster(s=service.id, m=m.id).pack())]
        for m in masters
    ]
    rows.extend(photo_rows(w, service, masters))
    if masters:
        rows.append([button(w("book.any_master"), PickMaster(s=service.id, m=0).pack())])
    text = w("book.choose_master" if masters else "book.no_masters", service=esc(service.name))
    text += profiles_text(masters)
    return Screen(text, [*rows, [w.back(Menu(action="book").pack())]])


def calendar(
    w: Words, view: MonthView, flow: Flow, *, notice: str = "", wait_day: date | None = None
) -> Screen:
    title = w("book.month_title", month=w(f"month.{view.month}"), year=view.year)
    rows = [[_blank(title)], [_blank(w(f"weekday.{i}")) for i in range(7)]]
    for week in view.weeks:
        row = []
        for cell in week:
            if cell is None:
                row.append(_blank())
            else:
                label = str(cell.day.day) if cell.free else w("book.day_closed", day=cell.day.day)
                row.append(button(label, flow.day(codes.day_code(cell.day))))
        rows.append(row)
    rows.append(
        [
            button("‹", flow.month(*view.prev)) if view.prev else _blank(),
            button("›", flow.month(*view.next)) if view.next else _blank(),
        ]
    )
    if flow.s and not flow.b:  # a new booking: no time suits? the waitlist
        rows.append(slotwait.join_button(w, flow.s, flow.m, wait_day))
    rows.append([w.back(flow.back_from_calendar())])
    text = w("book.choose_day") if view.any_free else w("book.month_full")
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def times(w: Words, found: DayTimes, flow: Flow, *, notice: str = "") -> Screen:
    buttons = [
        button(w.time(instant, found.timezone), flow.time(codes.minutes(instant)))
        for instant in found.times
    ]
    rows = [buttons[i : i + TIMES_PER_ROW] for i in range(0, len(buttons), TIMES_PER_ROW)]
    if flow.s and not flow.b:  # a new booking: no time suits? the waitlist
        rows.append(slotwait.join_button(w, flow.s, flow.m, found.day))
    rows.append([w.back(flow.month(found.day.year, found.day.month))])
    text = w("book.choose_time", day=w.day(found.day))
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def summary(w: Words, picked: Picked, customer: Customer) -> Screen:
    starts, zone = picked.starts_at, picked.timezone
    day = starts.astimezone(ZoneInfo(zone)).date()
    text = "\n\n".join(
        (
            w("book.summary_title"),
            details(
                w,
                picked.service.name,
                picked.master.name,
                w.when(starts, zone),
                picked.service.price_kopecks,
            ),
            w("book.contact", name=esc(customer.name), phone=esc(customer.phone)),
        )
    )
    flow = Flow(s=picked.service.id, m=0 if picked.any_master else picked.master.id)
    return Screen(
        text,
        [
            [
                button(
                    w("book.confirm"), Confirm(s=picked.service.id, t=codes.minutes(starts)).pack()
                )
            ],
            [w.back(flow.day(codes.day_code(day)))],
            [w.home_button()],
        ],
    )


def held(w: Words, done: Confirmed, prepayment: Prepayment) -> Screen:
    """A booking that waits for its prepayment: the link follows from billing (or, when it
    came already, is the button here)."""
    booking, zone = done.booking, done.business.timezone
    text = "\n\n".join(
        (
            w(
                "prepay.held",
                amount=w.money(prepayment.amount_kopecks),
                until=w.time(prepayment.hold_until, zone),
            ),
            details(
                w,
                booking.service_name,
                booking.master_name,
                w.when(booking.starts_at, zone),
                booking.price_kopecks,
            ),
        )
    )
    rows = []
    if prepayment.status == "awaiting" and prepayment.confirmation_url:
        label = w("prepay.pay", amount=w.money(prepayment.amount_kopecks))
        rows.append([InlineKeyboardButton(text=label, url=prepayment.confirmation_url)])
    elif prepayment.status == "awaiting":
        text += "\n\n" + w("prepay.link_follows")
    rows.append([w.home_button()])
    return Screen(text, rows)


def confirmed(w: Words, done: Confirmed) -> Screen:
    if done.prepayment is not None and done.prepayment.status == "awaiting":
        return held(w, done, done.prepayment)
    booking, zone = done.booking, done.business.timezone
    values = {
        "name": done.customer.name,
        "business": done.business.name,
        "service": booking.service_name,
        "master": booking.master_name,
        "time": w.when(booking.starts_at, zone),
        "address": done.business.address,
    }
    custom = shown(done.texts, "confirmation", w.locale, values)
    text = (
        custom
        or "\n\n".join(
            (
                w("book.done"),
                details(
                    w,
                    booking.service_name,
                    booking.master_name,
                    w.when(booking.starts_at, zone),
                    booking.price_kopecks,
                ),
                w("book.where", name=esc(done.business.name), address=esc(done.business.address))
                if done.business.address
                else "",
            )
        ).strip()
    )
    return Screen(
        text,
        [[button(w("menu.my"), Menu(action="my").pack())], [w.home_button()]],
    )
