"""Prepayment SQL of one tenant (`prepay_shop`, `services.prepay_*`, `prepayments`): a mixin
of the customer's and the admin's sessions, on their connection inside the tenant's
transaction."""

from __future__ import annotations

from datetime import datetime

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from services.booking.adapters import booking_repo
from services.booking.domain.entities import Booking, Customer
from services.booking.use_cases.prepay.ports import (
    Prepayment,
    PrepayMode,
    PrepayStatus,
    PrepayTerms,
    ServicePrepay,
    ShopSettings,
)

_TERMS = """
SELECT CASE s.prepay_mode WHEN 'full' THEN s.price_kopecks
            ELSE least(s.prepay_kopecks, s.price_kopecks) END AS amount_kopecks,
       p.shop_id, p.secret_sealed, p.hold_min
FROM services AS s CROSS JOIN prepay_shop AS p
WHERE s.id = $1 AND s.prepay_mode <> 'none' AND p.shop_id IS NOT NULL
"""
_PREPAYMENT = """
SELECT booking_id, amount_kopecks, status, hold_until, payment_id, confirmation_url
FROM prepayments WHERE booking_id = $1
"""
_AWAITED = """
SELECT booking_id, amount_kopecks, status, hold_until, payment_id, confirmation_url
FROM prepayments WHERE booking_id = ANY($1::bigint[]) AND status = 'awaiting'
"""
_SET = """
UPDATE prepayments SET status = $2,
       paid_at = CASE WHEN $2 = 'paid' THEN $4 ELSE paid_at END,
       refunded_at = CASE WHEN $2 = 'refunded' THEN $4 ELSE refunded_at END,
       payment_id = coalesce($5, payment_id),
       confirmation_url = coalesce($6, confirmation_url),
       refund_id = coalesce($7, refund_id)
WHERE booking_id = $1 AND status = ANY($3::text[])
RETURNING booking_id
"""
_SERVICES = """
SELECT id AS service_id, name, price_kopecks, prepay_mode AS mode, prepay_kopecks, active
FROM services ORDER BY active DESC, sort_order, id
"""


_CUSTOMER_BY_ID = """
SELECT id, telegram_id, name, phone, language_code, source, first_seen
FROM customers WHERE id = $1
"""


class PrepaySql:
    _conn: asyncpg.Connection

    async def customer_by_id(self, customer_id: int) -> Customer | None:
        row = await self._conn.fetchrow(_CUSTOMER_BY_ID, customer_id)
        return None if row is None else Customer(**dict(row))

    async def cancel_held(self, booking_id: int, *, reason: str) -> Booking:
        """Cancel a held booking by the system (its hold ran out); `BookingNotActive` if it
        is no longer confirmed."""
        return await booking_repo.cancel_booking(
            self._conn, booking_id, cancelled_by="system", actor="system", reason=reason
        )

    async def prepay_terms(self, service_id: int) -> PrepayTerms | None:
        row = await self._conn.fetchrow(_TERMS, service_id)
        if row is None or row["amount_kopecks"] <= 0:
            return None
        return PrepayTerms(**dict(row))

    async def hold_for_payment(
        self, booking_id: int, *, amount_kopecks: int, hold_until: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO prepayments (booking_id, amount_kopecks, hold_until) VALUES ($1, $2, $3)"
            " ON CONFLICT (booking_id) DO NOTHING",
            booking_id,
            amount_kopecks,
            hold_until,
        )

    async def prepayment(self, booking_id: int) -> Prepayment | None:
        row = await self._conn.fetchrow(_PREPAYMENT, booking_id)
        return Prepayment(**dict(row)) if row else None

    async def awaited(self, booking_ids: list[int]) -> dict[int, Prepayment]:
        if not booking_ids:
            return {}
        rows = await self._conn.fetch(_AWAITED, booking_ids)
        return {row["booking_id"]: Prepayment(**dict(row)) for row in rows}

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
        moved = await self._conn.fetchval(
            _SET, booking_id, status, list(expect), at, payment_id, url, refund_id
        )
        return moved is not None

    async def shop_settings(self) -> ShopSettings:
        row = await self._conn.fetchrow("SELECT shop_id, hold_min FROM prepay_shop WHERE id = 1")
        return (
            ShopSettings(shop_id=row["shop_id"], hold_min=row["hold_min"])
            if row
            else (ShopSettings(shop_id=None, hold_min=15))
        )

    async def shop_sealed(self) -> tuple[str, str] | None:
        row = await self._conn.fetchrow(
            "SELECT shop_id, secret_sealed FROM prepay_shop WHERE id = 1 AND shop_id IS NOT NULL"
        )
        return (row["shop_id"], row["secret_sealed"]) if row else None

    async def save_shop(self, shop_id: str | None, secret_sealed: str | None) -> None:
        await self._conn.execute(
            "INSERT INTO prepay_shop (id, shop_id, secret_sealed, connected_at)"
            " VALUES (1, $1, $2, CASE WHEN $1::text IS NULL THEN NULL ELSE now() END)"
            " ON CONFLICT (id) DO UPDATE SET shop_id = excluded.shop_id,"
            " secret_sealed = excluded.secret_sealed, connected_at = excluded.connected_at",
            shop_id,
            secret_sealed,
        )

    async def save_hold(self, minutes: int) -> None:
        await self._conn.execute(
            "INSERT INTO prepay_shop (id, hold_min) VALUES (1, $1)"
            " ON CONFLICT (id) DO UPDATE SET hold_min = excluded.hold_min",
            minutes,
        )

    async def services_prepay(self) -> list[ServicePrepay]:
        return [ServicePrepay(**dict(row)) for row in await self._conn.fetch(_SERVICES)]

    async def save_service_prepay(
        self, service_id: int, mode: PrepayMode, prepay_kopecks: int
    ) -> bool:
        done = await self._conn.fetchval(
            "UPDATE services SET prepay_mode = $2, prepay_kopecks = $3 WHERE id = $1 RETURNING id",
            service_id,
            mode,
            prepay_kopecks,
        )
        return done is not None
