"""Dedup keys: one per message that must be sent at most once (UNIQUE in `notifier.deliveries`).

Keys name the event's own identity, never the time it was handled, so a redelivered event maps
to the same keys and inserts nothing. Keys of a booking's schedule include its start (or end)
instant, so a reschedule makes new keys while the old rows are cancelled.
"""

from __future__ import annotations

from datetime import UTC, datetime


def instant(value: datetime) -> str:
    """A compact, zone-independent spelling of an instant: `20250315T113000Z`."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def provisioned(tenant_id: str, chat_id: int) -> str:
    return f"provisioned:{tenant_id}:{chat_id}"


def renewed(tenant_id: str, paid_until: datetime) -> str:
    return f"renewed:{tenant_id}:{instant(paid_until)}"


def expiring(tenant_id: str, paid_until: datetime, days_left: int) -> str:
    return f"expiring:{tenant_id}:{instant(paid_until)}:{days_left}"


def lifecycle(kind: str, tenant_id: str, event_id: str) -> str:
    """`suspended` / `resumed` carry no id of their own: the producer's message id is theirs."""
    return f"{kind}:{tenant_id}:{event_id}"


def refunded(tenant_id: str, refund_id: str) -> str:
    return f"refunded:{tenant_id}:{refund_id}"


def payment_canceled(payment_id: str) -> str:
    return f"payment_canceled:{payment_id}"


def admin_alert(kind: str, tenant_id: str, booking_id: int, version: str, chat_id: int) -> str:
    return f"alert:{kind}:{tenant_id}:{booking_id}:{version}:{chat_id}"


def reminder(tenant_id: str, booking_id: int, offset_min: int, starts_at: datetime) -> str:
    return f"reminder:{tenant_id}:{booking_id}:{offset_min}:{instant(starts_at)}"


def review(tenant_id: str, booking_id: int, ends_at: datetime) -> str:
    return f"review:{tenant_id}:{booking_id}:{instant(ends_at)}"


def customer_cancelled(tenant_id: str, booking_id: int) -> str:
    return f"cancelled:{tenant_id}:{booking_id}"


def customer_booked(tenant_id: str, booking_id: int) -> str:
    return f"booked:{tenant_id}:{booking_id}"


def customer_moved(tenant_id: str, booking_id: int, starts_at: datetime) -> str:
    return f"moved:{tenant_id}:{booking_id}:{instant(starts_at)}"


def opened(tenant_id: str, opened_at: datetime, chat_id: int) -> str:
    return f"opened:{tenant_id}:{instant(opened_at)}:{chat_id}"
