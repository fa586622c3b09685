"""Callback data of buttons that one service sends and another answers.

Notifier sends reminders and review requests whose buttons booking handles, and expiry warnings
whose button the sales bot (billing) handles. Callback data comes from the client: every
handler re-checks it on the server (the booking exists, belongs to this customer, ...).
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData


class ReminderAction(CallbackData, prefix="rm"):
    """A button under a reminder: confirm attendance, reschedule or cancel the booking."""

    action: Literal["ok", "move", "cancel"]
    booking_id: int


class ReviewStars(CallbackData, prefix="rv"):
    """A star rating (1-5) under the review request after a visit."""

    booking_id: int
    stars: int


class RenewTenant(CallbackData, prefix="renew"):
    """The renew button under an expiry warning, answered by the sales bot."""

    tenant_id: str


class BroadcastStop(CallbackData, prefix="mks"):
    """«Остановить» under a broadcast's progress message, answered by booking (owner/admin)."""

    b: int


class BulkBook(CallbackData, prefix="mkbk"):
    """«Записаться» under a broadcast (s = 0: the services list) or a win-back (a service and
    its master, m = 0: any master)."""

    s: int = 0
    m: int = 0


class BulkOptOut(CallbackData, prefix="mko"):
    """«Отписаться от рассылок» (on = 0) under every bulk message, «Подписаться снова» (on = 1)."""

    on: int = 0


class SlotOfferTime(CallbackData, prefix="wlo"):
    """«Записаться на HH:MM» under a waitlist offer (notifier sends it, booking answers): the
    entry, the master and the time in unix minutes. Re-checked on the server: the entry is the
    customer's and still open, the time fits it and the schedule, the constraint decides."""

    e: int
    m: int
    t: int
