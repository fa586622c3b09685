"""The booking card with its customer: the booking, visits so far, no-shows and the staff's
note about the person (which staff edit; a master only on their own bookings' customers)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.bookings import Card
from services.booking.use_cases.admin.desk_ports import CustomerFacts, DeskScope
from services.booking.use_cases.admin.desk_rules import visible
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.ports import Staff

MAX_NOTE = 500
CLEAR = "-"


@dataclass(frozen=True, slots=True)
class FullCard:
    card: Card
    facts: CustomerFacts


async def open_card(scope: DeskScope, actor: Staff, booking_id: int) -> FullCard:
    async with scope.store.transaction() as session:
        line = await visible(session, actor, booking_id)
        business = await session.business()
        facts = await session.customer_facts(line.customer.id, scope.clock.now())
    card = Card(
        line=line,
        business=business,
        day=line.booking.starts_at.astimezone(ZoneInfo(business.timezone)).date(),
        started=line.booking.starts_at <= scope.clock.now(),
    )
    return FullCard(card=card, facts=facts)


def clean_note(text: str) -> str:
    """The note as typed (lines kept), `-` clears it."""
    if text.strip() == CLEAR:
        return ""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    value = "\n".join(line for line in lines if line)
    if not value:
        raise BadInput("empty")
    if len(value) > MAX_NOTE:
        raise BadInput("too_long", max=MAX_NOTE)
    return value


async def set_note(scope: DeskScope, actor: Staff, booking_id: int, text: str) -> FullCard:
    note = clean_note(text)
    async with scope.store.transaction() as session:
        line = await visible(session, actor, booking_id)
        before = await session.customer_facts(line.customer.id)
        await session.set_note(line.customer.id, note)
        await audit.record(
            session,
            actor,
            "customer.note",
            f"customer:{line.customer.id}",
            before={"note": before.note},
            after={"note": note},
        )
    return await open_card(scope, actor, booking_id)
