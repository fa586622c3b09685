"""Why a customer's action is refused: `RuleViolation`s with fields, answered politely by the bot.

Each carries what the bot needs to offer fresh options (the service and day of a refused
time, ...). The domain's own `BookingNotActive` and `ReviewRefused` are used as they are.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from shared.errors import RuleViolation


class ChoiceGone(RuleViolation):
    """The service or master on a button is no longer offered (or never was)."""

    def __init__(self, what: Literal["service", "master"], key: int) -> None:
        super().__init__(f"{what}_gone", key=key)
        self.what = what
        self.key = key


class BookingUnknown(RuleViolation):
    """No such booking for this customer (also when it belongs to someone else)."""

    def __init__(self, booking_id: int) -> None:
        super().__init__("booking_unknown", booking_id=booking_id)
        self.booking_id = booking_id


class TooLate(RuleViolation):
    """Cancelling or rescheduling is closed this close to the visit (the tenant's cut-off)."""

    def __init__(
        self, action: Literal["cancel", "reschedule"], *, cutoff_min: int, phone: str
    ) -> None:
        super().__init__(f"{action}_too_late", cutoff_min=cutoff_min, phone=phone)
        self.action = action
        self.cutoff_min = cutoff_min
        self.phone = phone


class LimitReached(RuleViolation):
    """The customer already has as many upcoming bookings as the business allows."""

    def __init__(self, limit: int) -> None:
        super().__init__("limit_reached", limit=limit)
        self.limit = limit


class SlotUnavailable(RuleViolation):
    """A chosen time cannot be booked (any reason of `SlotRejected`, incl. "taken").

    Carries the choice it belongs to so the bot can show the day's fresh times:
    `master_id` 0 = any master, `booking_id` 0 = a new booking (else the one being moved).
    """

    def __init__(
        self, reason: str, *, service_id: int, master_id: int, booking_id: int, day: date
    ) -> None:
        super().__init__(reason, day=day)
        self.service_id = service_id
        self.master_id = master_id
        self.booking_id = booking_id
        self.day = day


class StaleChoice(RuleViolation):
    """A confirm button that no longer matches the conversation (an old summary)."""

    def __init__(self, *, service_id: int, master_id: int, day: date | None) -> None:
        super().__init__("stale", service_id=service_id)
        self.service_id = service_id
        self.master_id = master_id
        self.day = day


class BadPhone(RuleViolation):
    """The text does not look like a phone number."""

    def __init__(self) -> None:
        super().__init__("bad_phone")


__all__ = [
    "BadPhone",
    "BookingUnknown",
    "ChoiceGone",
    "LimitReached",
    "SlotUnavailable",
    "StaleChoice",
    "TooLate",
]
