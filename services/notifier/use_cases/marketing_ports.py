"""What broadcasts and win-back need besides the delivery store: the broadcasts' own rows, the
customers' bulk opt-outs and the services' win-back rules (`notifier.broadcasts`,
`notifier.bulk_optouts`, `notifier.winback_rules`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from services.notifier.ports import NewDelivery

Started = Literal["started", "busy", "again"]
BROADCAST_KIND, PROGRESS_KIND = "broadcast", "broadcast_progress"


def broadcast_ref(broadcast_id: int) -> str:
    """The `ref` of a broadcast's deliveries (its messages, progress and report)."""
    return f"bcast:{broadcast_id}"


@dataclass(frozen=True, slots=True)
class Broadcast:
    tenant_id: str
    broadcast_id: int
    owner_chat_id: int
    locale: str
    total: int


@dataclass(frozen=True, slots=True)
class Running:
    """A running broadcast as its progress loop sees it."""

    broadcast: Broadcast
    stopped: bool
    shown: str  # the progress text last shown ("" = none yet)
    shown_at: datetime | None
    progress_message_id: int | None  # None until the progress message went out
    progress_waits: bool = False  # the progress message is still to go out


@dataclass(frozen=True, slots=True)
class Tally:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0
    left: int = 0  # pending or being sent


class MarketingStore(Protocol):
    async def start(
        self, broadcast: Broadcast, rows: Sequence[NewDelivery], refused: NewDelivery
    ) -> Started:
        """Under a per-tenant lock: the same broadcast again adds nothing ("again"); while
        another runs, it is recorded refused and `refused` (the owner's notice) goes in
        ("busy"); else it runs and `rows` go in ("started")."""
        ...

    async def stop(self, tenant_id: str, broadcast_id: int) -> int:
        """Cancel the broadcast's messages not sent yet; how many."""
        ...

    async def running(self) -> list[Running]: ...

    async def tally(self, tenant_id: str, broadcast_id: int) -> Tally: ...

    async def shown(self, tenant_id: str, broadcast_id: int, text: str, at: datetime) -> None: ...

    async def finish(
        self, tenant_id: str, broadcast_id: int, text: str, report: NewDelivery
    ) -> bool:
        """Mark it done and add the final report, once (False: another replica did)."""
        ...

    async def opted_out(self, tenant_id: str, chat_ids: Sequence[int]) -> set[int]: ...

    async def set_opted_out(self, tenant_id: str, chat_id: int, *, opted_out: bool) -> int:
        """Record the choice; opting out cancels the chat's pending broadcasts and win-backs
        (how many)."""
        ...

    async def chat_back(self, tenant_id: str, chat_id: int) -> bool:
        """A chat that had blocked the bot wrote to it again: deliveries may go to it."""
        ...

    async def set_winback(self, tenant_id: str, service_id: int, days: int | None) -> None: ...

    async def winback_days(self, tenant_id: str, service_id: int) -> int | None: ...

    async def cancel_winbacks(self, tenant_id: str, chat_id: int, keep_ref: str) -> int:
        """The customer booked again (booking `keep_ref`): their win-backs of other bookings
        are cancelled, each remembering that this booking stops it."""
        ...

    async def restore_winbacks(self, tenant_id: str, chat_id: int, ref: str, due: datetime) -> int:
        """Booking `ref` was cancelled: it no longer stops the chat's win-backs; those nothing
        stops now (and the chat has not opted out) are pending again, due no earlier than
        `due`."""
        ...
