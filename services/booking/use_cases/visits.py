"""Answers to what notifier sent: «Приду» under a reminder, stars and a comment after a visit."""

from __future__ import annotations

from services.booking.domain.entities import Booking
from services.booking.domain.errors import BookingNotActive, ReviewRefused
from services.booking.use_cases.manage import Changed, owned
from services.booking.use_cases.ports import Scope

MAX_COMMENT = 1000


async def confirm_attendance(scope: Scope, *, telegram_id: int, booking_id: int) -> Changed:
    """Mark that the customer will come (once; a repeat changes nothing)."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        _, booking = await owned(session, telegram_id, booking_id)
        if booking.ends_at <= now:
            raise BookingNotActive(booking_id, "past")
        if booking.attendance_confirmed_at is None:
            await session.confirm_attendance(booking_id, at=now)
        business = await session.business()
    return Changed(booking=booking, business=business)


async def rate_visit(scope: Scope, *, telegram_id: int, booking_id: int, stars: int) -> Booking:
    """Store the stars of a visit that happened: its own customer, once per booking."""
    if not 1 <= stars <= 5:
        raise ReviewRefused("bad_stars", booking_id=booking_id)
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        customer, booking = await owned(session, telegram_id, booking_id, confirmed=False)
        if booking.status == "cancelled":
            raise ReviewRefused("cancelled", booking_id=booking_id)
        if booking.status == "no_show" or booking.ends_at > now:
            raise ReviewRefused("too_early", booking_id=booking_id)
        await session.add_review(booking_id=booking_id, customer_id=customer.id, stars=stars)
    return booking


async def comment_visit(scope: Scope, *, telegram_id: int, booking_id: int, comment: str) -> bool:
    """Add the optional comment to the customer's review; False if there is nothing to add to."""
    text = comment.strip()[:MAX_COMMENT]
    if not text:
        return False
    async with scope.store.transaction() as session:
        customer, _ = await owned(session, telegram_id, booking_id, confirmed=False)
        return await session.set_review_comment(
            booking_id=booking_id, customer_id=customer.id, comment=text
        )
