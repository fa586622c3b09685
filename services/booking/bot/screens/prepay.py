"""What the customer is told about their prepayment after billing's answer (sent by the
prepayment consumer, not in reply to a press)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from services.booking.bot.callbacks import Menu
from services.booking.bot.screens.common import Screen, Words, button, details
from services.booking.use_cases.prepay.outcomes import Notice
from services.booking.use_cases.prepay.ports import Prepayment


def notice(w: Words, note: Notice) -> Screen:
    booking = note.booking
    about = details(
        w,
        booking.service_name,
        booking.master_name,
        w.when(booking.starts_at, note.timezone),
        booking.price_kopecks,
    )
    amount = w.money(note.amount_kopecks)
    if note.kind == "link":
        text = w("prepay.link", amount=amount, details=about)
        pay = InlineKeyboardButton(text=w("prepay.pay", amount=amount), url=note.url)
        return Screen(text, [[pay]])
    text = w(f"prepay.{note.kind}", amount=amount, details=about)
    return Screen(text, [[button(w("menu.my"), Menu(action="my").pack())]])


def pay_button(w: Words, held: Prepayment) -> list[InlineKeyboardButton]:
    """«Оплатить» again in «Мои записи» once billing has made the payment link."""
    if not held.confirmation_url:
        return []
    amount = w.money(held.amount_kopecks)
    return [InlineKeyboardButton(text=w("prepay.pay", amount=amount), url=held.confirmation_url)]
