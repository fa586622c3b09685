"""Typed payloads of every event on the bus: msgspec Structs, JSON on the wire.

Events are named in the past tense. Fields are only ever added, and only with defaults, so
older consumers keep decoding newer messages. Bot tokens never travel here in clear: only
`bot_token_sealed`, encrypted with the platform key (see `shared.crypto`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeVar

import msgspec

from shared.errors import PoisonMessage


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event."""


class Signup(msgspec.Struct, frozen=True, kw_only=True):
    """What a buyer told the sales bot about the business to create."""

    signup_id: str
    business_name: str
    timezone: str
    buyer_chat_id: int
    owner_chat_id: int
    bot_id: int
    bot_username: str
    bot_token_sealed: str
    city: str = ""


class PaymentSucceeded(Event, frozen=True, kw_only=True):
    payment_id: str
    purpose: Literal["new", "renewal"]
    plan_code: str
    period_days: int
    amount_kopecks: int
    currency: str
    paid_at: datetime
    signup: Signup | None = None  # for a new tenant
    tenant_id: str | None = None  # for a renewal
    buyer_chat_id: int = 0
    payment_method_id: str | None = None
    manual: bool = False


class TrialStarted(Event, frozen=True, kw_only=True):
    signup: Signup
    period_days: int
    started_at: datetime


class PaymentCanceled(Event, frozen=True, kw_only=True):
    payment_id: str
    buyer_chat_id: int
    reason: str
    tenant_id: str | None = None


class RefundSucceeded(Event, frozen=True, kw_only=True):
    """A refund billing fetched back from YooKassa and recorded: `amount_kopecks` is this
    refund, `refunded_kopecks` all refunds of the payment so far (never above `paid_kopecks`),
    `period_days` the period the payment bought. The tenant is the one the payment went to:
    `tenant_id` for a renewal, the tenant `signup_id` created for a new one."""

    refund_id: str
    payment_id: str
    amount_kopecks: int
    tenant_id: str | None = None
    signup_id: str | None = None
    paid_kopecks: int = 0
    refunded_kopecks: int = 0
    period_days: int = 0
    currency: str = "RUB"
    refunded_at: datetime | None = None


class DecorateBot(msgspec.Struct, frozen=True, kw_only=True):
    """Command: set a live tenant bot's menu and description (retried until it succeeds)."""

    tenant_id: str


class TenantProvisioned(Event, frozen=True, kw_only=True):
    tenant_id: str
    business_name: str
    bot_username: str
    owner_chat_id: int
    buyer_chat_id: int
    paid_until: datetime
    plan_code: str
    trial: bool = False
    signup_id: str = ""


class TenantRenewed(Event, frozen=True, kw_only=True):
    tenant_id: str
    bot_username: str
    owner_chat_id: int
    paid_until: datetime
    reactivated: bool = False


class TenantRefunded(Event, frozen=True, kw_only=True):
    """A refund shortened the tenant's paid period (`days_removed`, maybe fractional) or, when
    it returned the payment for the current period in full, suspended it (`suspended`, and a
    `tenant.suspended` event with reason `refunded` follows)."""

    tenant_id: str
    bot_username: str
    owner_chat_id: int
    paid_until: datetime
    refund_id: str
    payment_id: str
    refunded_kopecks: int
    days_removed: float
    suspended: bool = False


class TenantExpiring(Event, frozen=True, kw_only=True):
    tenant_id: str
    bot_username: str
    owner_chat_id: int
    paid_until: datetime
    days_left: int


class TenantSuspended(Event, frozen=True, kw_only=True):
    tenant_id: str
    bot_username: str
    owner_chat_id: int
    reason: str


class TenantResumed(Event, frozen=True, kw_only=True):
    tenant_id: str
    bot_username: str
    owner_chat_id: int


class TenantDeleted(Event, frozen=True, kw_only=True):
    tenant_id: str


class BookingCreated(Event, frozen=True, kw_only=True):
    tenant_id: str
    booking_id: int
    customer_chat_id: int
    customer_name: str
    customer_phone: str
    service_name: str
    master_name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    reminder_offsets_min: tuple[int, ...] = (1440, 120)
    admin_chat_ids: tuple[int, ...] = ()
    made_by: Literal["customer", "staff"] = "customer"  # staff: the customer is told by notifier
    locale: str = "ru"  # the business's: staff alerts, and customers of unknown language
    customer_locale: str = ""  # the customer's Telegram language, when the bot saw it
    review_delay_min: int | None = None  # the business's setting; None = notifier's default
    # The owner's own wording (plain text with placeholders, `shared.text_templates`) in the
    # customer's language; "" = notifier's shipped text. Values for {business} and {address}.
    reminder_text: str = ""
    review_text: str = ""
    business_name: str = ""
    address: str = ""
    service_id: int = 0  # win-back: the service and master to offer again (0 = unknown)
    master_id: int = 0


class BookingCancelled(Event, frozen=True, kw_only=True):
    tenant_id: str
    booking_id: int
    customer_chat_id: int
    customer_name: str
    service_name: str
    master_name: str
    starts_at: datetime
    timezone: str
    cancelled_by: Literal["customer", "staff", "system"]
    reason: str = ""
    admin_chat_ids: tuple[int, ...] = ()
    locale: str = "ru"
    customer_locale: str = ""
    # booking told the customer itself (a closure's notice with new times): notifier does not
    customer_told: bool = False


class BookingRescheduled(Event, frozen=True, kw_only=True):
    tenant_id: str
    booking_id: int
    customer_chat_id: int
    customer_name: str
    service_name: str
    master_name: str
    old_starts_at: datetime
    starts_at: datetime
    ends_at: datetime
    timezone: str
    reminder_offsets_min: tuple[int, ...] = (1440, 120)
    admin_chat_ids: tuple[int, ...] = ()
    locale: str = "ru"
    moved_by: Literal["customer", "staff"] = "customer"  # staff: the customer is told by notifier
    customer_locale: str = ""
    review_delay_min: int | None = None
    # The owner's own wording (plain text with placeholders, `shared.text_templates`) in the
    # customer's language; "" = notifier's shipped text. Values for {business} and {address}.
    reminder_text: str = ""
    review_text: str = ""
    business_name: str = ""
    address: str = ""
    service_id: int = 0
    master_id: int = 0


class BookingNoShow(Event, frozen=True, kw_only=True):
    """Staff marked a booking a no-show: nothing more is sent about it (no review request)."""

    tenant_id: str
    booking_id: int


class BusinessRezoned(Event, frozen=True, kw_only=True):
    """The owner changed the business's time zone: bookings keep their instants; texts that
    name a local time (pending reminders) are reworded in the new zone."""

    tenant_id: str
    old_timezone: str
    timezone: str
    changed_at: datetime


class Waiter(msgspec.Struct, frozen=True, kw_only=True):
    chat_id: int
    locale: str = ""


class BookingOpened(Event, frozen=True, kw_only=True):
    """A business that could not take bookings yet now can: tell who asked to be told."""

    tenant_id: str
    business_name: str
    opened_at: datetime
    waiting: tuple[Waiter, ...] = ()
    locale: str = "ru"


class DeliveryOutcome(Event, frozen=True, kw_only=True):
    tenant_id: str
    chat_id: int
    kind: str
    status: Literal["sent", "blocked", "failed"]
    detail: str = ""
    ref: str = ""  # the delivery's `ref` (`bcast:<id>` for a broadcast's rows)


# --- Marketing: broadcasts, win-back rules and the customers' bulk opt-out (booking emits,
# notifier sends). Booking chooses the recipients (opted-out and blocked customers left out).


class BroadcastRequested(Event, frozen=True, kw_only=True):
    """The owner confirmed a broadcast: `text` is trusted HTML (the owner's own message),
    `photo` a Telegram file_id ("" = text only), `book_button` adds «Записаться»."""

    tenant_id: str
    broadcast_id: int
    owner_chat_id: int
    text: str
    recipients: tuple[int, ...]
    photo: str = ""
    book_button: bool = False
    locale: str = "ru"


class BroadcastStopped(Event, frozen=True, kw_only=True):
    """The owner pressed «Остановить»: what has not gone yet is cancelled."""

    tenant_id: str
    broadcast_id: int
    by_chat_id: int = 0


class WinbackRuleSet(Event, frozen=True, kw_only=True):
    """A service's win-back: `days` after a visit (None = off)."""

    tenant_id: str
    service_id: int
    days: int | None
    service_name: str = ""


class BulkOptOutChanged(Event, frozen=True, kw_only=True):
    """A customer opted out of bulk messages (broadcasts, win-back) or back in."""

    tenant_id: str
    chat_id: int
    opted_out: bool
    changed_at: datetime


class DeadLetter(Event, frozen=True, kw_only=True):
    """A message a service gave up on, with why, for an operator to read and replay."""

    service: str
    subject: str
    deliveries: int
    error: str
    payload: str


class TenantConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The read-only view of a tenant the provisioner publishes in the `tenants` KV bucket."""

    tenant_id: str
    status: Literal["active", "grace", "suspended", "deleted"]
    business_name: str
    bot_id: int
    bot_username: str
    bot_token_sealed: str
    delivery: Literal["webhook", "polling"]
    timezone: str
    owner_chat_id: int
    paid_until: datetime
    locale: str = "ru"
    db_server: str = "main"  # the Postgres server of the tenant's schema (shared/db_servers.py)


T = TypeVar("T")

_encoder = msgspec.json.Encoder()


def encode(message: msgspec.Struct) -> bytes:
    return _encoder.encode(message)


def decode(kind: type[T], payload: bytes) -> T:
    """Decode a payload or raise `PoisonMessage` (it will never decode on a retry either)."""
    try:
        return msgspec.json.decode(payload, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise PoisonMessage(f"{kind.__name__}: {error}") from error


# --- Prepayment through a business's own YooKassa shop (`booking.prepay.<t>` from booking,
# `payment.prepay.<t>` from billing). The shop's secret key travels only sealed, as bot tokens.


class PrepayHold(Event, frozen=True, kw_only=True, tag="hold"):
    """Booking holds a slot until `hold_until`: billing creates the payment in the shop."""

    tenant_id: str
    booking_id: int
    amount_kopecks: int
    description: str
    shop_id: str
    secret_sealed: str
    hold_until: datetime
    return_url: str
    customer_chat_id: int = 0


class PrepayRefund(Event, frozen=True, kw_only=True, tag="refund"):
    """Booking asks billing to refund what was paid for a booking (`reason`: customer, staff,
    late: paid after the hold ran out)."""

    tenant_id: str
    booking_id: int
    reason: str = "customer"


PrepayCommand = PrepayHold | PrepayRefund


class PrepayLinkReady(Event, frozen=True, kw_only=True, tag="link"):
    tenant_id: str
    booking_id: int
    payment_id: str
    amount_kopecks: int
    confirmation_url: str


class PrepayPaid(Event, frozen=True, kw_only=True, tag="paid"):
    tenant_id: str
    booking_id: int
    payment_id: str
    amount_kopecks: int


class PrepayExpired(Event, frozen=True, kw_only=True, tag="expired"):
    """The hold ran out unpaid (`reason` "unpaid"), or no payment could be made ("refused":
    the shop turned the request down)."""

    tenant_id: str
    booking_id: int
    reason: str = "unpaid"


class PrepayRefunded(Event, frozen=True, kw_only=True, tag="refunded"):
    tenant_id: str
    booking_id: int
    payment_id: str
    refund_id: str
    amount_kopecks: int


PrepayOutcome = PrepayLinkReady | PrepayPaid | PrepayExpired | PrepayRefunded
# --- The waitlist for freed time (slotwait): booking finds the customers, notifier words it.


class SlotOffer(msgspec.Struct, frozen=True, kw_only=True):
    """One waitlisted customer and the freed times offered to them (one button each)."""

    entry_id: int
    chat_id: int
    locale: str = ""
    service_name: str
    master_id: int
    master_name: str
    times: tuple[datetime, ...]


class SlotFreed(Event, frozen=True, kw_only=True):
    """Time freed (a cancel, a move away, a block or closure lifted) that matches waitlist
    entries: each customer gets the times with «Записаться на HH:MM» buttons. `cause` names
    the change (e.g. `cancel:42`), so a redelivered event is offered once."""

    tenant_id: str
    cause: str
    timezone: str
    locale: str = "ru"
    offers: tuple[SlotOffer, ...] = ()


class CustomerChatBack(Event, frozen=True, kw_only=True):
    """A customer who had blocked the bot wrote to it again (/start): the notifier may message
    them again (`booking.chatback.<t>`)."""

    tenant_id: str
    chat_id: int
