"""What the chaos load did, as the users saw it: every action, and how each conversation ended.

The invariants compare this record with the stores (streams, tables, the emulators' chats):
an action is *answered* when the bot showed anything new in that chat after it (a message,
an edit or a callback answer), at the time or later.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

BOOKED = "вы записаны"  # in the bot's confirmation, «Готово, вы записаны!»


@dataclass
class Action:
    """One thing a user did in a chat, and what the chat looked like just before it."""

    bot: str
    chat_id: int
    label: str
    at: float  # unix time the action left the emulator's control API
    seen_id: int
    seen_version: int
    answered: bool = False
    error: str = ""  # the emulator refused the action itself (never a product failure)


@dataclass
class Booking:
    """A customer's whole booking conversation in one tenant's bot."""

    bot: str
    tenant_id: str
    chat_id: int
    phone: str
    told_booked: bool = False  # the bot said «Готово, вы записаны»
    ended: str = "running"  # booked, refused (e.g. the time was taken), or where it stalled


@dataclass
class Signup:
    """A buyer's sales-bot conversation, payment and the new bot going live."""

    buyer_chat_id: int
    bot_username: str = ""
    payment_id: str = ""
    notification_status: int | None = None
    told_live: bool = False
    ended: str = "running"


@dataclass
class Journal:
    actions: list[Action] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    signups: list[Signup] = field(default_factory=list)

    def stalled(self) -> Counter[str]:
        """Where conversations stopped: a step with no answer in time (`stalled at <step>`), or
        a screen offering no free choice (`stalled at no bt: button`: the calendar is full)."""
        ends = [b.ended for b in self.bookings] + [s.ended for s in self.signups]
        return Counter(end.removeprefix("stalled at ") for end in ends if end.startswith("stalled"))

    def count(self, ended: str) -> int:
        return sum(1 for b in self.bookings if b.ended == ended) + sum(
            1 for s in self.signups if s.ended == ended
        )
