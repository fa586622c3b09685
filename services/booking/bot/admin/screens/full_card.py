"""The booking card with its customer: the day screen's card plus visits, no-shows and the
note, and the buttons to move the booking and to edit the note. The phone is written plainly
in international form, which Telegram turns into a tappable number."""

from __future__ import annotations

from services.booking.bot.admin.callbacks import Act
from services.booking.bot.admin.desk_callbacks import Move, Note
from services.booking.bot.admin.screens import day as day_screens
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.card import FullCard


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
    b = full.card.line.booking
    extra = []
    if b.status == "confirmed":
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
