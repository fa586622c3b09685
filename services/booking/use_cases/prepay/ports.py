"""What prepayment needs from a tenant's transaction (`PrepayPort`, a part of both the
customer's and the admin's session) and the values it passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from services.booking.domain.entities import Booking, Customer

PrepayMode = Literal["none", "deposit", "full"]
PrepayStatus = Literal["awaiting", "paid", "expired", "dropped", "refunding", "refunded"]
MODES: tuple[PrepayMode, ...] = ("none", "deposit", "full")


@dataclass(frozen=True, slots=True)
class PrepayTerms:
    """What booking a service asks for now: the amount, the shop, how long the time holds."""

    amount_kopecks: int
    shop_id: str
    secret_sealed: str
    hold_min: int

    def __repr__(self) -> str:  # never the sealed key in a log line
        return f"PrepayTerms({self.amount_kopecks} kop., shop {self.shop_id})"


@dataclass(frozen=True, slots=True)
class Prepayment:
    booking_id: int
    amount_kopecks: int
    status: PrepayStatus
    hold_until: datetime
    payment_id: str | None
    confirmation_url: str | None


@dataclass(frozen=True, slots=True)
class ShopSettings:
    shop_id: str | None
    hold_min: int


@dataclass(frozen=True, slots=True)
class ServicePrepay:
    service_id: int
    name: str
    price_kopecks: int
    mode: PrepayMode
    prepay_kopecks: int
    active: bool


class PrepayPort(Protocol):
    async def customer_by_id(self, customer_id: int) -> Customer | None: ...

    async def cancel_held(self, booking_id: int, *, reason: str) -> Booking:
        """Cancel a held booking as the system (`BookingNotActive` if not confirmed)."""
        ...

    async def prepay_terms(self, service_id: int) -> PrepayTerms | None:
        """What the service asks for, or None (no prepayment, or no shop connected)."""
        ...

    async def hold_for_payment(
        self, booking_id: int, *, amount_kopecks: int, hold_until: datetime
    ) -> None: ...

    async def prepayment(self, booking_id: int) -> Prepayment | None: ...

    async def awaited(self, booking_ids: list[int]) -> dict[int, Prepayment]:
        """The prepayments still awaited among these bookings, by booking id."""
        ...

    async def set_prepayment(
        self,
        booking_id: int,
        status: PrepayStatus,
        *,
        expect: tuple[PrepayStatus, ...],
        at: datetime | None = None,
        payment_id: str | None = None,
        url: str | None = None,
        refund_id: str | None = None,
    ) -> bool:
        """Move the prepayment to `status` if it is in one of `expect`; True if it moved."""
        ...


class PrepaySettingsPort(Protocol):
    async def shop_settings(self) -> ShopSettings: ...

    async def shop_sealed(self) -> tuple[str, str] | None: ...

    async def save_shop(self, shop_id: str | None, secret_sealed: str | None) -> None: ...

    async def save_hold(self, minutes: int) -> None: ...

    async def services_prepay(self) -> list[ServicePrepay]: ...

    async def save_service_prepay(
        self, service_id: int, mode: PrepayMode, prepay_kopecks: int
    ) -> bool: ...
