"""The notifier's bus edge: tenant, booking and payment events in; each calls one use case.

`tenant.>` and `booking.>` carry several kinds of event: the subject's second token names it.
A kind the notifier does not know (or has nothing to say about) is acknowledged and skipped;
`tenant.deleted` deletes everything the notifier kept about the tenant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsMessage, NatsRouter

from services.notifier.use_cases import BookingNotes, Retention, TenantNotes
from services.notifier.use_cases.broadcasts import Broadcasts
from services.notifier.use_cases.winback import Winback
from shared.bus import MSG_ID_HEADER, Consumer, Publisher, RetryPolicy, subscriber_options
from shared.messages import (
    BookingCancelled,
    BookingCreated,
    BookingNoShow,
    BookingOpened,
    BookingRescheduled,
    BroadcastRequested,
    BroadcastStopped,
    BulkOptOutChanged,
    BusinessRezoned,
    CustomerChatBack,
    PaymentCanceled,
    SlotFreed,
    TenantDeleted,
    TenantExpiring,
    TenantProvisioned,
    TenantRefunded,
    TenantRenewed,
    TenantResumed,
    TenantSuspended,
    WinbackRuleSet,
    decode,
)
from shared.metrics import Metrics
from shared.subjects import (
    BROADCAST_REQUESTED,
    BROADCAST_STOPPED,
    BULK_OPTOUT_CHANGED,
    CUSTOMER_CHAT_BACK,
    NOTIFIER_BOOKINGS,
    NOTIFIER_PAYMENT_CANCELED,
    NOTIFIER_TENANTS,
    WINBACK_RULE_SET,
)

SERVICE = "notifier"

Work = Callable[[], Awaitable[object]]
Marketing = tuple[Broadcasts, Winback]  # broadcasts, opt-outs and win-back rules
MARKETING_KINDS = frozenset(
    {BROADCAST_REQUESTED, BROADCAST_STOPPED, BULK_OPTOUT_CHANGED, WINBACK_RULE_SET}
    | {CUSTOMER_CHAT_BACK}
)


def _kind(subject: str) -> str:
    """`tenant.provisioned.salon_anna` → `provisioned`."""
    parts = subject.split(".")
    return parts[1] if len(parts) > 2 else ""


def _tenant(subject: str) -> str | None:
    parts = subject.split(".")
    return parts[2] if len(parts) > 2 else None


def _event_id(msg: NatsMessage) -> str:
    """The producer's message id (stable across its retries), else the stream sequence."""
    raw = msg.raw_message
    header = (raw.headers or {}).get(MSG_ID_HEADER)
    if header:
        return header
    return f"seq{raw.metadata.sequence.stream}" if raw.metadata else raw.subject


def _tenant_work(notes: TenantNotes, retention: Retention, msg: NatsMessage) -> Work | None:
    body, kind = msg.body, _kind(msg.raw_message.subject)
    works: dict[str, Work] = {
        "provisioned": lambda: notes.on_provisioned(decode(TenantProvisioned, body)),
        "renewed": lambda: notes.on_renewed(decode(TenantRenewed, body)),
        "expiring": lambda: notes.on_expiring(decode(TenantExpiring, body)),
        "suspended": lambda: notes.on_suspended(decode(TenantSuspended, body), _event_id(msg)),
        "resumed": lambda: notes.on_resumed(decode(TenantResumed, body), _event_id(msg)),
        "deleted": lambda: retention.on_tenant_deleted(decode(TenantDeleted, body)),
        "refunded": lambda: notes.on_refunded(decode(TenantRefunded, body)),
    }
    return works.get(kind)


def _marketing_work(marketing: Marketing, msg: NatsMessage) -> Work | None:
    body, kind = msg.body, _kind(msg.raw_message.subject)
    broadcasts, winback = marketing
    works: dict[str, Work] = {
        BROADCAST_REQUESTED: lambda: broadcasts.on_requested(decode(BroadcastRequested, body)),
        BROADCAST_STOPPED: lambda: broadcasts.on_stopped(decode(BroadcastStopped, body)),
        BULK_OPTOUT_CHANGED: lambda: broadcasts.on_opt_out(decode(BulkOptOutChanged, body)),
        WINBACK_RULE_SET: lambda: winback.on_rule(decode(WinbackRuleSet, body)),
        CUSTOMER_CHAT_BACK: lambda: broadcasts.on_chat_back(decode(CustomerChatBack, body)),
    }
    return works.get(kind)


def _booking_work(
    notes: BookingNotes, msg: NatsMessage, marketing: Marketing | None = None
) -> Work | None:
    body, kind = msg.body, _kind(msg.raw_message.subject)
    if marketing is not None and kind in MARKETING_KINDS:
        return _marketing_work(marketing, msg)
    works: dict[str, Work] = {
        "created": lambda: notes.on_created(decode(BookingCreated, body)),
        "cancelled": lambda: notes.on_cancelled(decode(BookingCancelled, body)),
        "rescheduled": lambda: notes.on_rescheduled(decode(BookingRescheduled, body)),
        "noshow": lambda: notes.on_no_show(decode(BookingNoShow, body)),
        "opened": lambda: notes.on_opened(decode(BookingOpened, body)),
        "rezoned": lambda: notes.on_rezoned(decode(BusinessRezoned, body)),
        "slotfreed": lambda: notes.on_slot_freed(decode(SlotFreed, body)),
    }
    return works.get(kind)


def notifier_router(
    tenant_notes: TenantNotes,
    booking_notes: BookingNotes,
    retention: Retention,
    publisher: Publisher,
    metrics: Metrics,
    policy: RetryPolicy,
    marketing: Marketing | None = None,
) -> NatsRouter:
    router = NatsRouter()

    def consumer(name: str) -> Consumer:
        return Consumer(
            service=SERVICE, name=name, publisher=publisher, metrics=metrics, policy=policy
        )

    tenants, bookings, payments = consumer("tenants"), consumer("bookings"), consumer("canceled")

    async def run(target: Consumer, msg: NatsMessage, work: Work | None) -> None:
        async def call() -> None:
            if work is not None:
                await work()

        await target.run(msg, call, tenant=_tenant(msg.raw_message.subject))

    @router.subscriber(NOTIFIER_TENANTS.subject, **subscriber_options(NOTIFIER_TENANTS, policy))
    async def on_tenant_event(msg: NatsMessage) -> None:
        await run(tenants, msg, _tenant_work(tenant_notes, retention, msg))

    @router.subscriber(NOTIFIER_BOOKINGS.subject, **subscriber_options(NOTIFIER_BOOKINGS, policy))
    async def on_booking_event(msg: NatsMessage) -> None:
        await run(bookings, msg, _booking_work(booking_notes, msg, marketing))

    @router.subscriber(
        NOTIFIER_PAYMENT_CANCELED.subject,
        **subscriber_options(NOTIFIER_PAYMENT_CANCELED, policy),
    )
    async def on_payment_canceled(msg: NatsMessage) -> None:
        async def work() -> int:
            return await tenant_notes.on_payment_canceled(decode(PaymentCanceled, msg.body))

        await run(payments, msg, work)

    return router
