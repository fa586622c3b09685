"""The person on the phone: found by phone or name, or entered by staff as a new customer
(name and phone, no Telegram chat yet). A phone already on file is never entered twice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.booking.domain.entities import Customer
from services.booking.use_cases.admin.desk_ports import DeskScope
from services.booking.use_cases.admin.desk_rules import PHONE_CHARS, parse_phone, phone_tail
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.parsing import clean_text

FOUND_LIMIT = 8
MAX_NAME = 100
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Found:
    customers: tuple[Customer, ...]
    phone: str  # the query as a valid phone, "" if it was not one
    name: str  # the query as a name, "" if it was a phone


def split_contact(text: str) -> tuple[str, str]:
    """`Ольга +7 912 345-67-89` -> ("Ольга", "+7 912 345-67-89"): the phone is the longest run
    of phone characters with digits in it; the rest is the name."""
    runs = [m for m in re.finditer(r"[\d()+\-.][\d\s()+\-.]*", text) if _DIGITS.search(m.group())]
    if not runs:
        return " ".join(text.split()), ""
    phone = max(runs, key=lambda m: len(_DIGITS.findall(m.group())))
    name = text[: phone.start()] + " " + text[phone.end() :]
    return " ".join(name.split()), phone.group().strip()


def _phone_or_empty(text: str) -> str:
    try:
        return parse_phone(text)
    except BadInput:
        return ""


async def find(scope: DeskScope, text: str) -> Found:
    """Customers whose phone ends with the typed digits, or whose name contains the text.

    A name and a phone typed together (`Ольга +7 912 …`) search by either, and come back
    split, so a new customer can be made from them at once."""
    query = clean_text(text, max_len=MAX_NAME)
    digits = "".join(_DIGITS.findall(query))
    if PHONE_CHARS.fullmatch(query) is not None and len(digits) >= 4:
        name, phone, tail = "", _phone_or_empty(query), phone_tail(digits)
    else:
        name, raw = split_contact(query)
        phone = _phone_or_empty(raw) if raw else ""
        name = name if phone else query
        tail = phone_tail(phone) if phone else ""
    async with scope.store.transaction() as session:
        found = await session.find_customers(phone_tail=tail, name=name, limit=FOUND_LIMIT)
    return Found(customers=tuple(found), phone=phone, name=name)


def clean_name(text: str) -> str:
    return clean_text(text, max_len=MAX_NAME)


async def add_customer(scope: DeskScope, *, name: str, phone: str) -> Customer:
    """A new customer, or the one who already has this phone (never a second card)."""
    name, phone = clean_name(name), parse_phone(phone)
    async with scope.store.transaction() as session:
        same = await session.customer_by_phone(phone_tail(phone))
        if same is not None:
            return same
        return await session.add_customer(name=name, phone=phone)
