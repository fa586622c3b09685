"""Why a waitlist action is refused, answered politely by the bot (`bot/slotwait.py`)."""

from __future__ import annotations

from typing import Literal

from shared.errors import RuleViolation


class OfferTaken(RuleViolation):
    """Someone else confirmed the offered time first; the entry stays on the list."""

    def __init__(self, entry_id: int) -> None:
        super().__init__("offer_taken", entry_id=entry_id)
        self.entry_id = entry_id


class OfferGone(RuleViolation):
    """The offer no longer stands or never did (a fulfilled, expired or someone else's entry,
    a time that does not fit it or the schedule any more, a tampered button)."""

    def __init__(self, entry_id: int) -> None:
        super().__init__("offer_gone", entry_id=entry_id)
        self.entry_id = entry_id


class WaitRefused(RuleViolation):
    """A new entry is refused: too many open entries, a bad range, or the service is gone."""

    def __init__(self, reason: Literal["full", "range", "service"], *, limit: int = 0) -> None:
        super().__init__(f"wait_{reason}", limit=limit)
        self.reason = reason
        self.limit = limit
