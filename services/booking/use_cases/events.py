"""The `booking.*` events, written in the transaction that changes the booking.

Each `record_*` writes the event into the session's outbox (the shared outbox table, inside the
tenant's transaction), so the event exists exactly when the change committed; the booking
service's relay publishes it. Only the call that makes a change records its event: a repeated
confirm, cancel or move (a double tap, a redelivered update) finds the change done and records
nothing. `Nats-Msg-Id` is `booking:<tenant>:<booking id>:<kind>` (a reschedule adds the new
start in unix seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from services.booking.domain.entities import Booking, CancelledBy, Customer
from services.booking.use_cases.custom_texts import BOOKING_KINDS, Found, Kind, language, pick
from services.booking.use_cases.ports import BusinessSettings, EventOutbox, TenantSession
from shared.messages import BookingCancelled, BookingCreated, BookingNoShow, BookingRescheduled
from shared.subjects import booking_event


@dataclass(frozen=True, slots=True)
class Audience:
    """Who hears about a booking and how: read inside the booking's transaction."""

    business: BusinessSettings
    admin_chat_ids: tuple[int, ...]
    texts: Found = field(default_factory=dict)  # the owner's confirmation, reminder, review


async def audience(session: TenantSession) -> Audience:
    return Audience(
        business=await session.business(),
        admin_chat_ids=await session.admin_chat_ids(),
        texts=await session.custom_texts(BOOKING_KINDS),
    )


def later_text(who: Audience, customer: Customer, kind: Kind) -> str:
    """The owner's reminder or review request in the customer's language ("" = shipped)."""
    return pick(who.texts, kind, language(customer_locale(customer), who.business.locale))


def customer_locale(customer: Customer) -> str:
    """The customer's language as Telegram told the bot (`en-GB` -> `en`), `""` if unknown."""
    return customer.language_code.split("-")[0].lower()[:8]


def msg_id(tenant_id: str, booking_id: int, kind: str, starts_at: datetime | None = None) -> str:
    base = f"booking:{tenant_id}:{booking_id}:{kind}"
    return f"{base}:{int(starts_at.timestamp())}" if starts_at is not None else base


async def record_created(
    events: EventOutbox,
    tenant_id: str,
    booking: Booking,
    customer: Customer,
    who: Audience,
    *,
    made_by: Literal["customer", "staff"] = "customer",
) -> None:
    event = BookingCreated(
        tenant_id=tenant_id,
        booking_id=booking.id,
        customer_chat_id=customer.telegram_id or 0,
        customer_name=customer.name,
        customer_phone=customer.phone,
        service_name=booking.service_name,
        master_name=booking.master_name,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timezone=who.business.timezone,
        reminder_offsets_min=who.business.reminder_offsets_min,
        admin_chat_ids=who.admin_chat_ids,
        locale=who.business.locale,
        made_by=made_by,
        customer_locale=customer_locale(customer),
        review_delay_min=who.business.review_delay_min,
        reminder_text=later_text(who, customer, "reminder"),
        review_text=later_text(who, customer, "review"),
        business_name=who.business.name,
        address=who.business.address,
        service_id=booking.service_id,
        master_id=booking.master_id,
    )
    subject = booking_event("created", tenant_id)
    await events.record_event(subject, event, msg_id=msg_id(tenant_id, booking.id, "created"))


async def record_cancelled(
    events: EventOutbox,
    tenant_id: str,
    booking: Booking,
    customer: Customer,
    who: Audience,
    *,
    cancelled_by: CancelledBy = "customer",
    customer_told: bool = False,
) -> None:
    event = BookingCancelled(
        tenant_id=tenant_id,
        booking_id=booking.id,
        customer_chat_id=customer.telegram_id or 0,
        customer_name=customer.name,
        service_name=booking.service_name,
        master_name=booking.master_name,
        starts_at=booking.starts_at,
        timezone=who.business.timezone,
        cancelled_by=cancelled_by,
        reason=booking.cancel_reason,
        admin_chat_ids=who.admin_chat_ids,
        locale=who.business.locale,
        customer_locale=customer_locale(customer),
        customer_told=customer_told,
    )
    subject = booking_event("cancelled", tenant_id)
    await events.record_event(subject, event, msg_id=msg_id(tenant_id, booking.id, "cancelled"))


async def record_rescheduled(
    events: EventOutbox,
    tenant_id: str,
    booking: Booking,
    customer: Customer,
    who: Audience,
    *,
    old_starts_at: datetime,
    moved_by: Literal["customer", "staff"] = "customer",
) -> None:
    event = BookingRescheduled(
        tenant_id=tenant_id,
        booking_id=booking.id,
        customer_chat_id=customer.telegram_id or 0,
        customer_name=customer.name,
        service_name=booking.service_name,
        master_name=booking.master_name,
        old_starts_at=old_starts_at,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timezone=who.business.timezone,
        reminder_offsets_min=who.business.reminder_offsets_min,
        admin_chat_ids=who.admin_chat_ids,
        locale=who.business.locale,
        moved_by=moved_by,
        customer_locale=customer_locale(customer),
        review_delay_min=who.business.review_delay_min,
        reminder_text=later_text(who, customer, "reminder"),
        review_text=later_text(who, customer, "review"),
        business_name=who.business.name,
        address=who.business.address,
        service_id=booking.service_id,
        master_id=booking.master_id,
    )
    subject = booking_event("rescheduled", tenant_id)
    key = msg_id(tenant_id, booking.id, "rescheduled", booking.starts_at)
    await events.record_event(subject, event, msg_id=key)


async def record_no_show(events: EventOutbox, tenant_id: str, booking: Booking) -> None:
    """A no-show: notifier drops what is still pending for the booking (the review request)."""
    event = BookingNoShow(tenant_id=tenant_id, booking_id=booking.id)
    subject = booking_event("noshow", tenant_id)
    await events.record_event(subject, event, msg_id=msg_id(tenant_id, booking.id, "noshow"))
