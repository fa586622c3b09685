"""The booking card with its customer: the day screen's card plus visits, no-shows and the
note, and the buttons to move the booking and to edit the note. The phone is written plainly
in international form, which Telegram turns into a tappable number."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.booking.bot.admin.callbacks import Act
from services.booking.bot.admin.desk_callbacks import Move, Note
from services.booking.bot.admin.screens import day as day_screens
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.card import FullCard
from services.booking.use_cases.admin.desk_ports import CustomerFacts


def card(w: Words, full: FullCard, *, notice: str = "") -> Screen:
    base = day_screens.card(w, full.card, notice=notice)
    facts = full.facts
    customer = full.card.line.customer
    lines = [w("admin.card.visits", visits=facts.visits)]
    if facts.no_shows:
        lines.append(w("admin.card.no_shows", n=facts.no_shows))
    lines.append(w("admin.card.chat_yes" if customer.telegram_id else "admin.card.chat_no"))
    if facts.note:
        lines.append(w("admin.card.note", note=esc(facts.note)))
    lines.extend(badges(w, facts))
    b = full.card.line.booking
    extra = []
    if b.status == "confirmed" and full.card.line.held_until is None:  # moved once paid
        extra.append(button(w("admin.card.move"), Move(a="d", b=b.id).pack()))
    extra.append(button(w("admin.card.note_button"), Note(b=b.id).pack()))
    rows = [extra, *base.rows]
    return Screen(f"{base.text}\n" + "\n".join(lines), rows)


def ask_note(w: Words, full: FullCard) -> Screen:
    customer = full.card.line.customer
    text = w(
        "admin.card.note_ask",
        customer=esc(customer.name or w("admin.card.no_name")),
        note=esc(full.facts.note or "—"),
    )
    return Screen(text, [[w.back(Act(a="v", b=full.card.line.booking.id).pack())]])


def badges(w: Words, facts: CustomerFacts) -> list[str]:
    """Tags and a blocked mark, on the booking card and the client card alike."""
    lines = []
    if facts.tags:
        lines.append(w("admin.clients.tags", tags=esc(", ".join(facts.tags))))
    if facts.blocked:
        lines.append(w("admin.clients.blocked_mark"))
    if facts.bot_blocked:
        lines.append(w("admin.clients.bot_blocked_mark"))
    return lines


def figures(w: Words, facts: CustomerFacts, zone: str, *, first_seen: datetime) -> list[str]:
    """The client card's figures: visits, cancellations, no-shows, spend, source, first seen,
    last and next visit, then the badges."""

    def when(moment: datetime | None) -> str:
        return "—" if moment is None else w.when(moment, zone)

    lines = [
        w(
            "admin.clients.figures",
            visits=facts.visits,
            cancels=facts.cancels,
            no_shows=facts.no_shows,
        ),
        w("admin.clients.spend", spend=w.money(facts.spend_kopecks)),
        w("admin.clients.source", source=esc(facts.source or "—")),
        w("admin.clients.first_seen", day=w.day(first_seen.astimezone(ZoneInfo(zone)).date())),
        w("admin.clients.last", when=when(facts.last_visit)),
        w("admin.clients.next", when=when(facts.next_visit)),
    ]
    return [*lines, *badges(w, facts)]
