"""What broadcasts and win-back need from the tenant's data: the recipients of an audience,
the broadcasts sent, the services' win-back days, and the customers' bulk opt-out."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from services.booking.use_cases.admin.audit_ports import AuditPort
from services.booking.use_cases.admin.ports import MasterRow, ServiceRow
from services.booking.use_cases.ports import BusinessSettings, EventOutbox
from shared.clock import Clock

AudienceKind = Literal["all", "recent", "lapsed", "master", "service"]


@dataclass(frozen=True, slots=True)
class Audience:
    """Who gets a broadcast: everyone; visited in the last `value` days; not seen for `value`
    days (visited before, nothing since or booked ahead); a master's or a service's customers
    (`value` = its id: visited or booked)."""

    kind: AudienceKind
    value: int = 0


@dataclass(frozen=True, slots=True)
class NewBroadcast:
    created_by: int
    text: str
    photo: str
    book_button: bool
    audience: Audience
    recipients: int


@dataclass(frozen=True, slots=True)
class ServiceWinback:
    id: int
    name: str
    days: int | None


class MarketingPort(Protocol):
    async def recipients(self, audience: Audience, now: datetime) -> list[int]:
        """The chat ids of the audience's customers who talk to the bot, not opted out of
        bulk messages and not blocked."""
        ...

    async def add_broadcast(self, broadcast: NewBroadcast) -> int: ...

    async def mark_stopped(self, broadcast_id: int) -> bool:
        """False: no such broadcast (or stopped already)."""
        ...

    async def winbacks(self) -> list[ServiceWinback]: ...

    async def set_winback(self, service_id: int, days: int | None) -> ServiceWinback | None: ...

    async def set_bulk_optout(self, telegram_id: int, *, opted_out: bool) -> bool:
        """Record a customer's choice; False when nothing changed (or no such customer)."""
        ...

    async def broadcast_running(self, max_age: timedelta) -> bool:
        """A broadcast sent in the last `max_age` that is neither stopped nor known to have ended.
        Waits for another transaction asking the same (one send at a time per business)."""
        ...

    async def mark_bot_blocked(self, telegram_id: int) -> bool:
        """The customer blocked the bot (cleared when they write to it again)."""
        ...

    async def mark_broadcast_finished(self, broadcast_id: int) -> bool: ...


class MarketingSession(MarketingPort, AuditPort, EventOutbox, Protocol):
    async def business(self) -> BusinessSettings: ...

    async def all_services(self) -> list[ServiceRow]: ...

    async def all_masters(self) -> list[MasterRow]: ...


class MarketingStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[MarketingSession]: ...


@dataclass(frozen=True, slots=True)
class MarketingScope:
    tenant_id: str
    store: MarketingStore
    clock: Clock
