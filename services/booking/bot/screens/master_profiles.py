"""Master profiles where customers choose a master: the master's own price and duration on
the button when they differ from the service's, the short descriptions under the question,
and a photo button for masters who have a photo."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from services.booking.bot.callbacks import PickMaster
from services.booking.bot.offer_callbacks import MasterPhoto
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.domain.entities import MasterInfo, ServiceInfo


def master_label(w: Words, service: ServiceInfo, master: MasterInfo) -> str:
    if master.price_kopecks is None and master.duration_min is None:
        return master.name
    price = service.price_kopecks if master.price_kopecks is None else master.price_kopecks
    minutes = service.duration_min if master.duration_min is None else master.duration_min
    return f"{master.name} · {w.money(price)} · {w.duration(minutes)}"


def profiles_text(masters: list[MasterInfo]) -> str:
    lines = [f"<b>{esc(m.name)}</b> — {esc(m.bio)}" for m in masters if m.bio]
    return "\n\n" + "\n".join(lines) if lines else ""


def photo_rows(
    w: Words, service: ServiceInfo, masters: list[MasterInfo]
) -> list[list[InlineKeyboardButton]]:
    return [
        [
            button(
                w("admin.profile.customer_photo", name=m.name),
                MasterPhoto(s=service.id, m=m.id).pack(),
            )
        ]
        for m in masters
        if m.photo_file_id
    ]


def photo_caption(w: Words, master: MasterInfo, service_id: int) -> Screen:
    """The caption and button under a master's photo: book with this master."""
    text = f"<b>{esc(master.name)}</b>" + (f"\n{esc(master.bio)}" if master.bio else "")
    rows = [
        [
            button(
                w("admin.profile.book_with", name=master.name),
                PickMaster(s=service_id, m=master.id).pack(),
            )
        ]
    ]
    return Screen(text, rows)
