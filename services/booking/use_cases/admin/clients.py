"""The client base: the customers list (search, segments, pages), a customer's card with the
figures computed from the tenant's bookings, the staff's note and tags, and blocking a customer
from booking online. Owner and admins only (a master is refused: the base is the business's).

Every change is written to the audit log in its own transaction. A customer id from a button
that is not in this tenant is refused as a stale button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.booking.domain.entities import Customer
from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.card import clean_note
from services.booking.use_cases.admin.clients_ports import (
    ClientQuery,
    ClientRow,
    ClientsScope,
    ClientsSession,
    Segment,
)
from services.booking.use_cases.admin.desk_ports import CustomerFacts
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.parsing import clean_text
from services.booking.use_cases.admin.ports import Staff

PAGE = 8
MAX_PAGE = 10_000
MAX_QUERY = 60
MAX_TAGS = 10
MAX_TAG = 30
MAX_CUSTOMER_ID = 2**63 - 1
_DIGITS = re.compile(r"\d")
_TAG_SPLIT = re.compile(r"[,;\s]+")


@dataclass(frozen=True, slots=True)
class ClientList:
    rows: list[ClientRow]
    total: int
    segment: Segment
    query: str
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))


@dataclass(frozen=True, slots=True)
class ClientCard:
    customer: Customer
    facts: CustomerFacts
    zone: str  # the business's time zone, for the dates on the card


def search_terms(text: str) -> tuple[str, str]:
    """The typed search as (name part, phone digits): three or more digits search the phone
    (its last ten digits, so `8 912…` finds `+7 912…`), anything else the name."""
    digits = "".join(_DIGITS.findall(text))
    if len(digits) >= 3:
        return "", digits[-10:]
    return text, ""


async def client_list(
    scope: ClientsScope, actor: Staff, *, segment: Segment = "all", query: str = "", page: int = 0
) -> ClientList:
    require_manager(actor, "clients")
    query = clean_text(query, max_len=MAX_QUERY) if query.strip() else ""
    number = max(0, min(page, MAX_PAGE))
    text, digits = search_terms(query)
    async with scope.store.transaction() as session:
        rows, total = await session.client_rows(
            ClientQuery(
                segment=segment,
                text=text,
                digits=digits,
                now=scope.clock.now(),
                offset=number * PAGE,
                limit=PAGE,
            )
        )
    return ClientList(rows=rows, total=total, segment=segment, query=query, page=number)


async def _customer(session: ClientsSession, customer_id: int) -> Customer:
    found = (
        await session.customer_by_id(customer_id) if 0 < customer_id <= MAX_CUSTOMER_ID else None
    )
    if found is None:
        raise BadInput("bad_button")
    return found


async def _card(scope: ClientsScope, session: ClientsSession, customer_id: int) -> ClientCard:
    customer = await _customer(session, customer_id)
    facts = await session.customer_facts(customer_id, scope.clock.now())
    zone = (await session.business()).timezone
    return ClientCard(customer=customer, facts=facts, zone=zone)


async def open_client(scope: ClientsScope, actor: Staff, customer_id: int) -> ClientCard:
    require_manager(actor, "clients")
    async with scope.store.transaction() as session:
        return await _card(scope, session, customer_id)


async def set_blocked(
    scope: ClientsScope, actor: Staff, customer_id: int, *, blocked: bool
) -> ClientCard:
    require_manager(actor, "clients")
    async with scope.store.transaction() as session:
        before = await _card(scope, session, customer_id)
        if before.facts.blocked == blocked:
            return before
        await session.set_blocked(customer_id, blocked=blocked)
        await audit.record(
            session,
            actor,
            "customer.block" if blocked else "customer.unblock",
            f"customer:{customer_id}",
            before={"blocked": before.facts.blocked},
            after={"blocked": blocked},
        )
        return await _card(scope, session, customer_id)


async def set_note(scope: ClientsScope, actor: Staff, customer_id: int, text: str) -> ClientCard:
    require_manager(actor, "clients")
    note = clean_note(text)
    async with scope.store.transaction() as session:
        before = await _card(scope, session, customer_id)
        await session.set_note(customer_id, note)
        await audit.record(
            session,
            actor,
            "customer.note",
            f"customer:{customer_id}",
            before={"note": before.facts.note},
            after={"note": note},
        )
        return await _card(scope, session, customer_id)


def clean_tags(text: str) -> tuple[str, ...]:
    """`vip, аллергия #цвет` -> ("vip", "аллергия", "цвет"): lower case, no `#`, no repeats;
    `-` clears them."""
    if text.strip() == "-":
        return ()
    tags: list[str] = []
    for raw in _TAG_SPLIT.split(text.strip()):
        tag = raw.strip().lstrip("#").lower()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG:
            raise BadInput("too_long", max=MAX_TAG)
        tags.append(tag)
    if not tags:
        raise BadInput("empty")
    if len(tags) > MAX_TAGS:
        raise BadInput("too_many", most=MAX_TAGS)
    return tuple(tags)


async def set_tags(scope: ClientsScope, actor: Staff, customer_id: int, text: str) -> ClientCard:
    require_manager(actor, "clients")
    tags = clean_tags(text)
    async with scope.store.transaction() as session:
        before = await _card(scope, session, customer_id)
        await session.set_tags(customer_id, tags)
        await audit.record(
            session,
            actor,
            "customer.tags",
            f"customer:{customer_id}",
            before={"tags": list(before.facts.tags)},
            after={"tags": list(tags)},
        )
        return await _card(scope, session, customer_id)
