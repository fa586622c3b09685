"""Who the customer is: remembered on /start (with the deep-link source), name and phone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.booking.domain.entities import Customer
from services.booking.use_cases.custom_texts import Found
from services.booking.use_cases.errors import BadPhone
from services.booking.use_cases.ports import BusinessSettings, Scope, TenantSession
from shared.messages import CustomerChatBack
from shared.subjects import CUSTOMER_CHAT_BACK, booking_event

MAX_NAME = 64
_SOURCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PHONE_CHARS = re.compile(r"[\s()\-.]")


def clean_source(payload: str | None) -> str | None:
    """A deep-link payload (`/start instagram`) if it is a plain token, else nothing."""
    if not payload:
        return None
    payload = payload.strip()
    return payload if _SOURCE.fullmatch(payload) else None


def normalize_phone(text: str) -> str:
    """`8 (912) 345-67-89` -> `+79123456789`; `BadPhone` for anything that is not a number.

    Russian numbers written with 8, 7 or without the country code become `+7...`; other
    international numbers need their `+` and 8-15 digits.
    """
    raw = _PHONE_CHARS.sub("", text.strip())
    plus = raw.startswith("+")
    digits = raw[1:] if plus else raw
    if not digits.isdigit():
        raise BadPhone
    if not plus and len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if not plus and len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    if (plus or len(digits) == 11) and 8 <= len(digits) <= 15:
        return "+" + digits
    raise BadPhone


def clean_name(text: str) -> str:
    return " ".join(text.split())[:MAX_NAME]


def has_contact(customer: Customer | None) -> bool:
    return customer is not None and bool(customer.name) and bool(customer.phone)


async def customer_of(session: TenantSession, telegram_id: int) -> Customer:
    """The customer row of a Telegram user, created on first sight."""
    known = await session.customer(telegram_id)
    return known or await session.upsert_customer(telegram_id=telegram_id)


async def _back(scope: Scope, session: TenantSession, telegram_id: int) -> None:
    """A customer who had blocked the bot writes to it again (/start): booking forgets the
    mark and tells the notifier (`booking.chatback`), which may message them again."""
    if not await session.clear_bot_blocked(telegram_id):
        return
    at = int(scope.clock.now().timestamp())
    await session.record_event(
        booking_event(CUSTOMER_CHAT_BACK, scope.tenant_id),
        CustomerChatBack(tenant_id=scope.tenant_id, chat_id=telegram_id),
        msg_id=f"booking:{scope.tenant_id}:chatback:{telegram_id}:{at}",
    )


async def greet(
    scope: Scope, *, telegram_id: int, language_code: str, payload: str | None
) -> BusinessSettings:
    """Remember the customer (and where they came from, the first time); the business to greet."""
    async with scope.store.transaction() as session:
        await session.upsert_customer(
            telegram_id=telegram_id,
            language_code=language_code[:8],
            source=clean_source(payload),
        )
        await _back(scope, session, telegram_id)
        return await session.business()


@dataclass(frozen=True, slots=True)
class Greeting:
    """Whom /start greets, for whom, and the owner's own greeting (every language)."""

    business: BusinessSettings
    customer_name: str
    texts: Found


async def greeting(
    scope: Scope, *, telegram_id: int, language_code: str, payload: str | None
) -> Greeting:
    """`greet`, with the customer's name and the owner's greeting, in the same transaction."""
    async with scope.store.transaction() as session:
        customer = await session.upsert_customer(
            telegram_id=telegram_id,
            language_code=language_code[:8],
            source=clean_source(payload),
        )
        await _back(scope, session, telegram_id)
        business = await session.business()
        texts = await session.custom_texts(("greeting",))
    return Greeting(business=business, customer_name=customer.name, texts=texts)


async def save_name(scope: Scope, *, telegram_id: int, name: str) -> Customer:
    name = clean_name(name)
    async with scope.store.transaction() as session:
        return await session.upsert_customer(telegram_id=telegram_id, name=name)


async def save_phone(scope: Scope, *, telegram_id: int, phone: str, name: str = "") -> Customer:
    """Store a phone (typed or shared); a shared contact's first name fills a missing name.
    A walk-in staff booked by this phone is linked: their bookings become this chat's."""
    normalized = normalize_phone(phone)
    async with scope.store.transaction() as session:
        known = await session.customer(telegram_id)
        fill = clean_name(name) if known is None or not known.name else ""
        saved = await session.upsert_customer(telegram_id=telegram_id, phone=normalized, name=fill)
        if await session.link_walk_in(saved.id, normalized) is not None:
            saved = await session.upsert_customer(telegram_id=telegram_id)  # the merged row
        return saved


async def contact_of(scope: Scope, *, telegram_id: int) -> Customer | None:
    async with scope.store.transaction() as session:
        return await session.customer(telegram_id)
