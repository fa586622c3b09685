"""The owner rewords the greeting, «О нас», the booking confirmation, the reminder and the review
request, per language (`use_cases.custom_texts` says which placeholders each may have).

`check` refuses a text that could not be sent as it is (`OwnerRefusal`, `admin.texts.error.*`,
naming the placeholder at fault) and returns the draft with the values a preview fills in;
`save` checks again (the draft came through the FSM) and writes the text with an audit entry;
`reset` forgets it, so customers get the shipped text again. Only the owner may do any of it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import require_owner
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.custom_texts import (
    ALLOWED,
    KINDS,
    LANGUAGES,
    LIMITS,
    Kind,
    Language,
    language_or,
)
from services.booking.use_cases.owner.errors import OwnerRefusal
from services.booking.use_cases.owner.texts_ports import TextsScope
from services.booking.use_cases.ports import BusinessSettings
from shared.text_templates import problem


@dataclass(frozen=True, slots=True)
class Overview:
    locale: Language  # the business's language: the one the screens open in
    custom: frozenset[tuple[str, str]]  # (kind, locale) the owner has reworded


@dataclass(frozen=True, slots=True)
class TextView:
    kind: Kind
    locale: Language
    body: str  # the owner's text; "" = the shipped one
    values: Mapping[str, str]  # what a preview fills the placeholders with


def kind_of(value: str) -> Kind:
    for kind in KINDS:
        if kind == value:
            return kind
    raise OwnerRefusal("admin.texts.error.bad_kind")


def language_of(value: str) -> Language:
    if value not in LANGUAGES:
        raise OwnerRefusal("admin.lang.unknown_language")
    return language_or(value, LANGUAGES[0])


def preview_values(business: BusinessSettings, sample: Mapping[str, str]) -> dict[str, str]:
    """`sample` (a name, a service, a master, a time) with the business's own name, address
    and phone where it has them."""
    own = {"business": business.name, "address": business.address, "phone": business.phone}
    return {**sample, **{name: value for name, value in own.items() if value}}


async def overview(scope: TextsScope, actor: Staff) -> Overview:
    require_owner(actor, "texts")
    async with scope.store.transaction() as session:
        business = await session.business()
        found = await session.custom_texts(KINDS)
    return Overview(locale=language_or(business.locale, LANGUAGES[0]), custom=frozenset(found))


async def view(
    scope: TextsScope, actor: Staff, kind: Kind, locale: str, sample: Mapping[str, str]
) -> TextView:
    require_owner(actor, "texts")
    language = language_of(locale)
    async with scope.store.transaction() as session:
        business = await session.business()
        found = await session.custom_texts((kind,))
    body = found.get((kind, language), "")
    return TextView(kind, language, body, preview_values(business, sample))


def refuse(kind: Kind, body: str, values: Mapping[str, str]) -> None:
    """`OwnerRefusal` naming what is wrong with `body` as the `kind` text."""
    allowed = ALLOWED[kind]
    found = problem(body, allowed, values, limit=LIMITS[kind])
    if found is None:
        return
    listed = ", ".join("{" + name + "}" for name in allowed)
    raise OwnerRefusal(  # the refusal is sent as HTML: the owner's typing is escaped
        f"admin.texts.error.{found.reason}",
        field=html.escape(found.field, quote=False),
        allowed=listed,
        length=found.length,
        limit=LIMITS[kind],
    )


async def check(
    scope: TextsScope, actor: Staff, kind: Kind, locale: str, body: str, sample: Mapping[str, str]
) -> TextView:
    """The draft as it would be shown (`values` fill the preview); refused if it cannot be."""
    require_owner(actor, "texts")
    language = language_of(locale)
    async with scope.store.transaction() as session:
        business = await session.business()
    values = preview_values(business, sample)
    refuse(kind, body, values)
    return TextView(kind, language, body, values)


async def save(
    scope: TextsScope, actor: Staff, kind: Kind, locale: str, body: str, sample: Mapping[str, str]
) -> TextView:
    require_owner(actor, "texts")
    language = language_of(locale)
    async with scope.store.transaction() as session:
        business = await session.business()
        values = preview_values(business, sample)
        refuse(kind, body, values)
        before = (await session.custom_texts((kind,))).get((kind, language))
        if before != body:
            await session.save_custom_text(kind, language, body, by=actor.telegram_id)
            await audit.record(
                session, actor, "text.edit", f"{kind}:{language}", before=before, after=body
            )
    return TextView(kind, language, body, values)


async def reset(
    scope: TextsScope, actor: Staff, kind: Kind, locale: str, sample: Mapping[str, str]
) -> TextView:
    """Back to the shipped text (nothing to do if it is already)."""
    require_owner(actor, "texts")
    language = language_of(locale)
    async with scope.store.transaction() as session:
        business = await session.business()
        before = await session.drop_custom_text(kind, language)
        if before is not None:
            await audit.record(session, actor, "text.reset", f"{kind}:{language}", before=before)
    return TextView(kind, language, "", preview_values(business, sample))
