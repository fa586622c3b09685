"""Inline keyboards as Bot API JSON (`InlineKeyboardMarkup`), built from shared callback data."""

from __future__ import annotations

from typing import Literal

from services.notifier.ports import Markup
from services.notifier.use_cases.texts import Catalog
from shared.callbacks import ReminderAction, RenewTenant, ReviewStars

_ACTIONS: tuple[Literal["ok", "move", "cancel"], ...] = ("ok", "move", "cancel")


def _button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def open_bot(texts: Catalog, bot_username: str) -> Markup:
    url = f"https://t.me/{bot_username}"
    return {"inline_keyboard": [[{"text": texts.text("button_open_bot"), "url": url}]]}


def renew(texts: Catalog, tenant_id: str) -> Markup:
    data = RenewTenant(tenant_id=tenant_id).pack()
    return {"inline_keyboard": [[_button(texts.text("button_renew"), data)]]}


def reminder(texts: Catalog, booking_id: int) -> Markup:
    row = [
        _button(
            texts.text(f"button_{action}"),
            ReminderAction(action=action, booking_id=booking_id).pack(),
        )
        for action in _ACTIONS
    ]
    return {"inline_keyboard": [row]}


def review(texts: Catalog, booking_id: int) -> Markup:
    row = [
        _button(texts.text("star", n=stars), ReviewStars(booking_id=booking_id, stars=stars).pack())
        for stars in range(1, 6)
    ]
    return {"inline_keyboard": [row]}
