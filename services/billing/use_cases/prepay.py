"""Prepayments to a business's own YooKassa shop: create the payment, refund it, expire holds.

Booking asks (`booking.prepay.<t>`: `PrepayHold`, `PrepayRefund`); billing answers with what
YooKassa confirmed (`payment.prepay.<t>`), every answer written in the transaction of its row
(the outbox). The shop's secret key arrives sealed and is opened only to call YooKassa.
Idempotence-Keys are deterministic: `ppay:<tenant>:<booking>` for the payment,
`ppr:<tenant>:<booking>` for its refund, so a redelivered command never pays or refunds twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from services.billing.adapters.prepay_pg import PrepayRecord, RefundVerdict
from services.billing.ports import OutboxEvent
from services.billing.use_cases.recording import ForgedNotification
from shared.clock import Clock
from shared.messages import (
    PrepayExpired,
    PrepayHold,
    PrepayLinkReady,
    PrepayPaid,
    PrepayRefund,
    PrepayRefunded,
)
from shared.settings import Secret
from shared.subjects import payment_prepay
from shared.yookassa_shop import ShopApi, ShopCredentials, ShopRefund, ShopRejected

log = logging.getLogger(__name__)
PURPOSE = "prepay"


class Prepayments(Protocol):
    async def find(self, tenant_id: str, booking_id: int) -> PrepayRecord | None: ...

    async def get(self, payment_id: str) -> PrepayRecord | None: ...

    async def insert(
        self, record: PrepayRecord, *, idempotence_key: str, outbox: OutboxEvent
    ) -> bool: ...

    async def announce(self, outbox: OutboxEvent) -> None: ...

    async def record_payment(
        self, record: PrepayRecord, *, status: str, outbox: OutboxEvent | None
    ) -> bool: ...

    async def record_refund(
        self,
        record: PrepayRecord,
        *,
        refund_id: str,
        amount_kopecks: int,
        currency: str,
        outbox: OutboxEvent,
    ) -> RefundVerdict: ...

    async def expire_due(
        self, now: datetime, make: Callable[[str, int], OutboxEvent], *, limit: int = 100
    ) -> list[tuple[str, int]]: ...


class Unsealer(Protocol):
    def unseal(self, sealed: str) -> Secret: ...


def payment_key(tenant_id: str, booking_id: int) -> str:
    return f"ppay:{tenant_id}:{booking_id}"


def refund_key(tenant_id: str, booking_id: int) -> str:
    return f"ppr:{tenant_id}:{booking_id}"


def metadata_of(tenant_id: str, booking_id: int) -> dict[str, str]:
    return {"purpose": PURPOSE, "tenant_id": tenant_id, "booking_id": str(booking_id)}


def credentials(record: PrepayRecord, sealer: Unsealer) -> ShopCredentials:
    return ShopCredentials(record.shop_id, sealer.unseal(record.secret_sealed).reveal())


def expired_event(tenant_id: str, booking_id: int, reason: str = "unpaid") -> OutboxEvent:
    return OutboxEvent(
        payment_prepay(tenant_id),
        PrepayExpired(tenant_id=tenant_id, booking_id=booking_id, reason=reason),
        msg_id=f"prepay:{tenant_id}:{booking_id}:expired",
    )


class OpenPrepayment:
    """`PrepayHold`: create the payment in the business's shop and announce its link."""

    def __init__(self, *, api: ShopApi, store: Prepayments, sealer: Unsealer) -> None:
        self._api = api
        self._store = store
        self._sealer = sealer

    async def __call__(self, hold: PrepayHold) -> str:
        if await self._store.find(hold.tenant_id, hold.booking_id) is not None:
            return "duplicate"
        shop = ShopCredentials(hold.shop_id, self._sealer.unseal(hold.secret_sealed).reveal())
        key = payment_key(hold.tenant_id, hold.booking_id)
        try:
            payment = await self._api.create_payment(
                shop,
                amount_kopecks=hold.amount_kopecks,
                description=hold.description,
                return_url=hold.return_url,
                metadata=metadata_of(hold.tenant_id, hold.booking_id),
                idempotence_key=key,
            )
        except ShopRejected as refused:
            log.warning("shop of %s refused a payment: %s", hold.tenant_id, refused)
            await self._store.announce(expired_event(hold.tenant_id, hold.booking_id, "refused"))
            return "refused"
        record = PrepayRecord(
            payment_id=payment.id,
            tenant_id=hold.tenant_id,
            booking_id=hold.booking_id,
            shop_id=hold.shop_id,
            secret_sealed=hold.secret_sealed,
            amount_kopecks=hold.amount_kopecks,
            currency="RUB",
            status="pending",
            hold_until=hold.hold_until,
            refunded_kopecks=0,
        )
        link = PrepayLinkReady(
            tenant_id=hold.tenant_id,
            booking_id=hold.booking_id,
            payment_id=payment.id,
            amount_kopecks=hold.amount_kopecks,
            confirmation_url=payment.confirmation_url or "",
        )
        outbox = OutboxEvent(
            payment_prepay(hold.tenant_id),
            link,
            msg_id=f"prepay:{hold.tenant_id}:{hold.booking_id}:link",
        )
        fresh = await self._store.insert(record, idempotence_key=key, outbox=outbox)
        return "created" if fresh else "duplicate"


class ExpireHolds:
    """Holds whose time ran out unpaid: marked, and `PrepayExpired` for booking to free them."""

    def __init__(self, *, store: Prepayments, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def __call__(self) -> int:
        due = await self._store.expire_due(self._clock.now(), expired_event)
        for tenant_id, booking_id in due:
            log.info("hold of booking %s of %s ran out unpaid", booking_id, tenant_id)
        return len(due)


class ShopRefunds:
    """Believing a refund of a prepayment (fetched back from the shop), and asking for one."""

    def __init__(self, *, api: ShopApi, store: Prepayments, sealer: Unsealer) -> None:
        self._api = api
        self._store = store
        self._sealer = sealer

    async def record(self, local: PrepayRecord, refund: ShopRefund) -> str:
        """Record a refund the shop's API reported; `ForgedNotification` when it does not fit."""
        if refund.payment_id != local.payment_id:
            raise ForgedNotification("the refund belongs to another payment", local.payment_id)
        if refund.status != "succeeded":
            raise ForgedNotification(f"refund is {refund.status}", local.payment_id)
        if refund.currency != local.currency or refund.amount_kopecks <= 0:
            raise ForgedNotification("refund currency or amount do not fit", local.payment_id)
        event = PrepayRefunded(
            tenant_id=local.tenant_id,
            booking_id=local.booking_id,
            payment_id=local.payment_id,
            refund_id=refund.id,
            amount_kopecks=refund.amount_kopecks,
        )
        verdict = await self._store.record_refund(
            local,
            refund_id=refund.id,
            amount_kopecks=refund.amount_kopecks,
            currency=refund.currency,
            outbox=OutboxEvent(
                payment_prepay(local.tenant_id),
                event,
                msg_id=f"prepay:{local.tenant_id}:{local.booking_id}:refund:{refund.id}",
            ),
        )
        if verdict in {"exceeds_payment", "not_paid", "conflicts"}:
            raise ForgedNotification(f"refund refused: {verdict}", local.payment_id)
        return verdict

    async def request(self, command: PrepayRefund) -> str:
        """`PrepayRefund`: give back what is left of a succeeded payment, once."""
        local = await self._store.find(command.tenant_id, command.booking_id)
        if local is None or local.status != "succeeded":
            log.info(
                "nothing to refund for booking %s of %s", command.booking_id, command.tenant_id
            )
            return "nothing"
        left = local.amount_kopecks - local.refunded_kopecks
        if left <= 0:
            return "nothing"
        refund = await self._api.create_refund(
            credentials(local, self._sealer),
            payment_id=local.payment_id,
            amount_kopecks=left,
            idempotence_key=refund_key(command.tenant_id, command.booking_id),
        )
        if refund.status != "succeeded":
            return "pending"  # its notification records it
        return await self.record(local, refund)


def paid_event(local: PrepayRecord) -> OutboxEvent:
    return OutboxEvent(
        payment_prepay(local.tenant_id),
        PrepayPaid(
            tenant_id=local.tenant_id,
            booking_id=local.booking_id,
            payment_id=local.payment_id,
            amount_kopecks=local.amount_kopecks,
        ),
        msg_id=f"prepay:{local.tenant_id}:{local.booking_id}:paid",
    )
