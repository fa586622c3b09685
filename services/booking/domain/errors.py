"""Domain errors of booking, on top of `shared.errors.RuleViolation`.

`reason` is a key the bot turns into a friendly text; the fields say what was refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from shared.errors import RuleViolation

# Reason keys of a refused slot (check_slot, create_booking, reschedule_booking).
PAST: Final = "past"
TOO_SOON: Final = "too_soon"
BEYOND_HORIZON: Final = "beyond_horizon"
OFF_GRID: Final = "off_grid"
OUTSIDE_HOURS: Final = "outside_hours"
TAKEN: Final = "taken"
MASTER_UNAVAILABLE: Final = "master_unavailable"


class SlotRejected(RuleViolation):
    """This start time cannot be booked with this master."""

    def __init__(self, reason: str, *, starts_at: datetime, master_id: int | None) -> None:
        super().__init__(reason, starts_at=starts_at, master_id=master_id)
        self.starts_at = starts_at
        self.master_id = master_id


class SlotTaken(SlotRejected):
    """Another booking (or a blocked range) holds the time; the database may say so too."""

    def __init__(self, *, starts_at: datetime, master_id: int | None) -> None:
        super().__init__(TAKEN, starts_at=starts_at, master_id=master_id)


class BookingNotActive(RuleViolation):
    """The booking is no longer confirmed (already cancelled, completed or missed)."""

    def __init__(self, booking_id: int, status: str) -> None:
        super().__init__("not_active", booking_id=booking_id, status=status)
        self.booking_id = booking_id
        self.status = status


class ReviewRefused(RuleViolation):
    """A review cannot be left: `reason` is "review_exists", "bad_stars" or "cancelled"."""

    def __init__(self, reason: str, *, booking_id: int) -> None:
        super().__init__(reason, booking_id=booking_id)
        self.booking_id = booking_id
