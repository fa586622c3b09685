"""What the repositories hand back: bookings, customers, reviews and the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

BookingStatus = Literal["confirmed", "cancelled", "completed", "no_show"]
CancelledBy = Literal["customer", "staff", "system"]
BookingSource = Literal["bot", "admin", "reminder"]


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """A service as the customer sees it in the menu."""

    id: int
    name: str
    description: str
    duration_min: int
    price_kopecks: int
    buffer_before_min: int
    buffer_after_min: int


@dataclass(frozen=True, slots=True)
class MasterInfo:
    id: int
    name: str
    bio: str
    photo_file_id: str = ""
    price_kopecks: int | None = None  # the master's own price of the service, if it differs
    duration_min: int | None = None  # the master's own duration of the service, if it differs


@dataclass(frozen=True, slots=True)
class Booking:
    id: int
    customer_id: int
    service_id: int
    service_name: str
    master_id: int
    master_name: str
    starts_at: datetime
    ends_at: datetime
    price_kopecks: int
    status: BookingStatus
    source: BookingSource
    cancelled_by: CancelledBy | None
    cancel_reason: str
    attendance_confirmed_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    telegram_id: int | None
    name: str
    phone: str
    language_code: str
    source: str | None
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    booking_id: int
    customer_id: int
    stars: int
    comment: str
    created_at: datetime
