"""Waitlist offers: a `SlotFreed` event becomes one message per waitlisted customer, in their
language, with a «Записаться на HH:MM» button per freed time (`SlotOfferTime`, answered by
booking, which re-checks everything). One row per entry and cause (the dedup key), so a
redelivered event is offered once; sent at once, within the bot's flood limits like every row.
"""

from __future__ import annotations

from datetime import datetime

from services.notifier.ports import Markup, NewDelivery
from services.notifier.use_cases.texts import Catalog, Texts, zone
from shared.callbacks import SlotOfferTime
from shared.messages import SlotFreed, SlotOffer


def key(tenant_id: str, cause: str, entry_id: int) -> str:
    return f"slotwait:{tenant_id}:{cause}:{entry_id}"


def _minutes(instant: datetime) -> int:
    return int(instant.timestamp()) // 60


def offer_markup(texts: Catalog, offer: SlotOffer, timezone: str) -> Markup:
    rows = [
        [
            {
                "text": texts.text(
                    "slotwait.button", time=t.astimezone(zone(timezone)).strftime("%H:%M")
                ),
                "callback_data": SlotOfferTime(
                    e=offer.entry_id, m=offer.master_id, t=_minutes(t)
                ).pack(),
            }
        ]
        for t in offer.times
    ]
    return {"inline_keyboard": rows}


def offer_rows(event: SlotFreed, texts: Texts, now: datetime) -> list[NewDelivery]:
    rows = []
    for offer in event.offers:
        if not offer.chat_id or not offer.times:
            continue
        theirs = texts.first(offer.locale, event.locale)
        text = theirs.text(
            "slotwait.offer",
            when=theirs.when(offer.times[0], event.timezone),
            service=offer.service_name,
            master=offer.master_name,
        )
        rows.append(
            NewDelivery(
                dedup_key=key(event.tenant_id, event.cause, offer.entry_id),
                tenant_id=event.tenant_id,
                via="tenant",
                chat_id=offer.chat_id,
                kind="slotwait_offer",
                text=text,
                due_at=now,
                reply_markup=offer_markup(theirs, offer, event.timezone),
                ref=f"slotwait:{offer.entry_id}",
            )
        )
    return rows
