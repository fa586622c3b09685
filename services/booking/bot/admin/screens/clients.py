"""The client base's screens: the list (segments, search, pages), a customer's card with the
figures, and the exports menu. The figures' lines come from `full_card.figures`, which the
booking card shows too."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.client_callbacks import Client, Clients, Export
from services.booking.bot.admin.screens.full_card import figures
from services.booking.bot.admin.screens.parts import home_row
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.clients import ClientCard, ClientList
from services.booking.use_cases.admin.clients_ports import SEGMENTS, ClientRow

PERIODS = ("this", "last", "prev30", "next30")


def _row_label(w: Words, row: ClientRow) -> str:
    mark = ("🚫 " if row.blocked else "") + ("⛔ " if row.bot_blocked else "")
    name = row.name or w("admin.clients.no_name")
    phone = f" · {row.phone}" if row.phone else ""
    return f"{mark}{name}{phone} · {row.visits}"


def client_list(w: Words, found: ClientList, *, notice: str = "") -> Screen:
    searching = bool(found.query)
    title = (
        w("admin.clients.found", query=esc(found.query), n=found.total)
        if searching
        else w(
            "admin.clients.title", segment=w(f"admin.clients.seg.{found.segment}"), n=found.total
        )
    )
    lines = [title]
    if found.total > len(found.rows) or found.page:
        lines.append(w("admin.clients.page", page=found.page + 1, pages=found.pages))
    if not found.rows:
        lines.append(w("admin.clients.empty"))
    lines.append(w("admin.clients.legend"))
    if notice:
        lines.insert(0, notice)
    f = "q" if searching else found.segment
    rows: list[list[InlineKeyboardButton]] = [
        [button(_row_label(w, r), Client(a="v", c=r.id).pack())] for r in found.rows
    ]
    paging = []
    if found.page > 0:
        paging.append(button("‹", Clients(f=f, p=found.page - 1).pack()))
    if found.page + 1 < found.pages:
        paging.append(button("›", Clients(f=f, p=found.page + 1).pack()))
    if paging:
        rows.append(paging)
    segments = []
    for segment in SEGMENTS:
        label = w(f"admin.clients.seg.{segment}")
        if segment == found.segment and not searching:
            label = f"·{label}·"
        segments.append(button(label, Clients(f=segment).pack()))
    rows.extend([segments[:3], segments[3:]])
    rows.append(
        [
            button(w("admin.clients.search"), Client(a="find").pack()),
            button(w("admin.export.button"), Export(k="menu").pack()),
        ]
    )
    rows.append(home_row(w))
    return Screen("\n".join(lines), rows)


def client_card(w: Words, card: ClientCard, *, notice: str = "") -> Screen:
    customer, facts = card.customer, card.facts
    head = w(
        "admin.clients.card",
        name=esc(customer.name or w("admin.clients.no_name")),
        phone=esc(customer.phone or "—"),
    )
    lines = [head, *figures(w, facts, card.zone, first_seen=customer.first_seen)]
    lines.append(w("admin.card.chat_yes" if customer.telegram_id else "admin.card.chat_no"))
    if facts.note:
        lines.append(w("admin.card.note", note=esc(facts.note)))
    if notice:
        lines.insert(0, notice)
    c = customer.id
    block = (
        button(w("admin.clients.unblock"), Client(a="unblock", c=c).pack())
        if facts.blocked
        else button(w("admin.clients.block"), Client(a="block", c=c).pack())
    )
    rows = [
        [
            button(w("admin.card.note_button"), Client(a="note", c=c).pack()),
            button(w("admin.clients.tags_button"), Client(a="tags", c=c).pack()),
        ],
        [block],
        [w.back(Clients().pack()), *home_row(w)],
    ]
    return Screen("\n".join(lines), rows)


def ask(w: Words, key: str, card: ClientCard) -> Screen:
    text = w(
        key,
        customer=esc(card.customer.name or w("admin.clients.no_name")),
        note=esc(card.facts.note or "—"),
        tags=esc(", ".join(card.facts.tags) or "—"),
    )
    return Screen(text, [[w.back(Client(a="v", c=card.customer.id).pack())]])


def ask_search(w: Words) -> Screen:
    return Screen(w("admin.clients.search_ask"), [[w.back(Clients().pack())]])


def export_menu(w: Words, *, notice: str = "") -> Screen:
    text = w("admin.export.title")
    rows = [[button(w("admin.export.customers"), Export(k="cust").pack())]]
    rows.extend(
        [button(w(f"admin.export.period.{p}"), Export(k=p).pack())]  # type: ignore[arg-type]
        for p in PERIODS
    )
    rows.append([button(w("admin.export.period.range"), Export(k="range").pack())])
    rows.append([w.back(Clients().pack()), *home_row(w)])
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def ask_period(w: Words) -> Screen:
    return Screen(w("admin.export.period_ask"), [[w.back(Export(k="menu").pack())]])
