"""What the notifier's logic needs: the delivery store and queue, a rate limiter, a sender, the bus.

The logic speaks in these types only; `adapters/` implements them over Postgres, Redis, aiogram
and NATS, and the unit tests over dicts and lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

import msgspec

Via = Literal["tenant", "sales"]  # the tenant's own bot, or the platform's sales bot
PLATFORM = "platform"  # `tenant_id` of a note that belongs to no tenant (a failed first payment)
SCHEDULE_KINDS = ("reminder", "review", "winback")  # a booking's rows that move and die with it
BULK_KINDS = ("broadcast", "winback")  # what a customer's bulk opt-out stops

Markup = dict[str, Any]  # a Bot API `InlineKeyboardMarkup` as JSON


@dataclass(frozen=True, slots=True)
class Visit:
    """What a reminder needs to reword itself when it goes out late: the visit and its texts."""

    starts_at: datetime
    offset_min: int  # the reminder was meant for `offset_min` minutes before the visit
    locale: str
    timezone: str
    service: str
    master: str
    # The owner's own reminder (`shared.text_templates`) and its other values; "" = shipped.
    template: str = ""
    customer: str = ""
    business: str = ""
    address: str = ""

    @property
    def reminder_at(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.offset_min)


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """One message to send once, at `due_at` (service clock); `dedup_key` makes it idempotent."""

    dedup_key: str
    tenant_id: str
    via: Via
    chat_id: int
    kind: str
    text: str
    due_at: datetime
    reply_markup: Markup | None = None
    ref: str | None = None
    visit: Visit | None = None  # reminders only
    photo: str | None = None  # a Telegram file_id: sent as a photo with `text` as its caption


@dataclass(frozen=True, slots=True)
class Claimed:
    """A due row this replica holds under a lease while it tries to send it."""

    id: int
    tenant_id: str
    via: Via
    chat_id: int
    kind: str
    text: str
    reply_markup: Markup | None
    attempts: int  # send attempts begun before this one (a killed sender's included)
    lease_token: str
    chat_blocked: bool = False  # the chat blocked this bot earlier: do not even try
    visit: Visit | None = None
    photo: str | None = None
    ref: str | None = None  # what the row belongs to (`bcast:<id>`), told in the outcome


@dataclass(frozen=True, slots=True)
class TenantProfile:
    timezone: str
    locale: str


class DeliveryStore(Protocol):
    """The event side: rows go in idempotently (ON CONFLICT (dedup_key) DO NOTHING)."""

    async def add(self, rows: Sequence[NewDelivery]) -> int: ...

    async def add_schedule(
        self, tenant_id: str, ref: str, rows: Sequence[NewDelivery], *, replace: bool
    ) -> int:
        """Insert a booking's reminders/review.

        `replace=False`: only if the booking has no schedule rows yet (a late redelivery of
        `booking.created` after a reschedule or cancel adds nothing). `replace=True`: cancel the
        pending schedule rows not among `rows`, then insert `rows`.
        """
        ...

    async def cancel_schedule(self, tenant_id: str, ref: str) -> int: ...

    async def unblock(self, tenant_id: str, via: Via, chat_id: int) -> None: ...

    async def pending_reminders(self, tenant_id: str) -> list[tuple[int, Visit]]:
        """The tenant's reminders not sent yet, with their visits (to reword them)."""
        ...

    async def retext(self, delivery_id: int, text: str, visit: Visit) -> bool:
        """New words for a reminder still pending; False if it left meanwhile."""
        ...


class DeliveryQueue(Protocol):
    """The dispatcher side: claim due rows under a lease, record each outcome once.

    Holding a row's lease means holding its `lease_token`: every write below changes the row
    only while it is still `sending` under that token, and taking a row over (a claim of a row
    whose lease ran out) writes a new token, so at most one replica holds a row at a time.
    """

    async def claim(self, now: datetime, limit: int, lease_seconds: float) -> list[Claimed]:
        """Due `pending` rows and `sending` rows whose lease ran out (their sender died), under
        a new lease and token; `FOR UPDATE SKIP LOCKED`, so replicas never take the same row."""
        ...

    async def begin(self, row: Claimed, lease_seconds: float) -> bool:
        """Right before a send: still ours? Then extend the lease from now and count the
        attempt, in one statement. False: another replica has taken the row; do not send."""
        ...

    async def begin_many(self, rows: Sequence[Claimed], lease_seconds: float) -> set[int]:
        """`begin` for a whole batch in one statement: the ids still ours, now counted and
        leased for `lease_seconds` from now; the others were taken over (do not send them)."""
        ...

    async def next_due(self, after: datetime) -> datetime | None:
        """The earliest `due_at` of the `pending` rows due after `after` (the claim just took
        those due by then), or None."""
        ...

    async def postpone(self, row: Claimed, due_at: datetime) -> None: ...

    async def postpone_many(self, rows: Sequence[tuple[Claimed, datetime]]) -> None:
        """`postpone` for a whole batch in one statement."""
        ...

    async def mark_sent_many(self, sent: Sequence[tuple[Claimed, int]], at: datetime) -> None:
        """`mark_sent` for a batch of (row, Telegram's message id) in one statement."""
        ...

    async def mark_sent(self, row: Claimed, message_id: int, at: datetime) -> None: ...

    async def mark_blocked(self, row: Claimed, detail: str) -> None: ...

    async def retry_later(self, row: Claimed, due_at: datetime, error: str) -> None: ...

    async def mark_failed(self, row: Claimed, error: str) -> None: ...

    async def mark_cancelled(self, row: Claimed, reason: str) -> None: ...


class DeliveryLog(Protocol):
    """Retention of the delivery log, whose texts carry customers' names and phones."""

    async def forget_tenant(self, tenant_id: str, limit: int) -> int:
        """Delete up to `limit` of the tenant's rows (and its blocked chats); how many went."""
        ...

    async def purge_finished(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` finished rows (sent, blocked, failed, cancelled) due before
        `before`; how many went."""
        ...


@dataclass(frozen=True, slots=True)
class Grant:
    """The limiter's answer: `wait == 0` means go (and `ticket` names the slot taken)."""

    wait: float
    ticket: str = ""


@dataclass(frozen=True, slots=True)
class Slot:
    """One message's place in its bot's and its chat's windows."""

    tenant_id: str
    via: Via
    chat_id: int


class RateLimiter(Protocol):
    async def acquire(self, tenant_id: str, via: Via, chat_id: int) -> Grant: ...

    async def acquire_many(self, slots: Sequence[Slot]) -> list[Grant]:
        """`acquire` for each slot in order, in one atomic step: a later slot of the same bot
        or chat sees the earlier ones' stamps, exactly as if asked one after the other."""
        ...

    async def settle_many(self, settled: Sequence[tuple[Slot, str]]) -> None:
        """`settle` each (slot, ticket) in one step."""
        ...

    async def settle(self, tenant_id: str, via: Via, chat_id: int, ticket: str) -> None: ...

    async def pause(self, tenant_id: str, via: Via, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int


@dataclass(frozen=True, slots=True)
class RetryAfter:
    seconds: float


@dataclass(frozen=True, slots=True)
class Blocked:
    detail: str


@dataclass(frozen=True, slots=True)
class Transient:
    detail: str


@dataclass(frozen=True, slots=True)
class Rejected:
    detail: str


@dataclass(frozen=True, slots=True)
class Inactive:
    """The tenant's bot is suspended or deleted: its messages are dropped, not retried."""

    detail: str


SendResult = Sent | RetryAfter | Blocked | Transient | Rejected | Inactive


class Sender(Protocol):
    async def send(self, row: Claimed) -> SendResult: ...


class Editor(Protocol):
    """Edits a message the tenant's bot sent (a broadcast's progress) in place."""

    async def edit(
        self, tenant_id: str, chat_id: int, message_id: int, text: str, markup: Markup | None
    ) -> SendResult: ...


class TenantProfiles(Protocol):
    async def get(self, tenant_id: str) -> TenantProfile | None: ...


class Events(Protocol):
    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None: ...
