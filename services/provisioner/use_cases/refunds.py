"""A refund takes back the part of the paid period it paid for.

Billing publishes `refund.succeeded` only for refunds it fetched back from YooKassa and
checked. Here the refund finds its tenant through the payment it refunds (the payment the
provisioner applied, created or renewed the tenant with), and in one transaction, once per
refund id (`platform.applied_refunds`):

- the paid period shrinks by the refunded share of the period that payment bought (half of a
  30-day payment refunded: 15 days less), never below now; a period cut to now runs into the
  usual grace period and expiry;
- when the payment is now refunded in full and no paid time is left, it was paying for the
  current period: the tenant is suspended at once (reason `refunded`). A renewal resumes it.

Then, on every delivery (so a provisioner killed half-way finishes on the next one), the
directory entry is published and the change announced through the same ports as every other
lifecycle change: `tenant.refunded.<t>` always, and `tenant.suspended.<t>` when the refund
suspended the tenant (and it has not been renewed since). A refund of a payment no tenant has
yet raises `PaymentNotApplied`, a transient error: the message is retried until the payment
has been provisioned.
"""

from __future__ import annotations

import logging

from services.provisioner.ports import Directory, Events, RefundApplied, RefundStore
from shared.clock import Clock
from shared.errors import TransientError
from shared.messages import RefundSucceeded, TenantRefunded, TenantSuspended
from shared.subjects import tenant_event

log = logging.getLogger(__name__)

REFUNDED = "refunded"  # the suspension reason


class PaymentNotApplied(TransientError):
    def __init__(self, payment_id: str) -> None:
        super().__init__(f"payment {payment_id} has not been applied to a tenant yet")
        self.payment_id = payment_id


class Refunds:
    def __init__(
        self, *, store: RefundStore, directory: Directory, events: Events, clock: Clock
    ) -> None:
        self._store = store
        self._directory = directory
        self._events = events
        self._clock = clock

    async def on_refund(self, event: RefundSucceeded) -> RefundApplied:
        applied = await self._store.apply_refund(
            refund_id=event.refund_id,
            payment_id=event.payment_id,
            amount_kopecks=event.amount_kopecks,
            now=self._clock.now(),
        )
        if applied is None:
            raise PaymentNotApplied(event.payment_id)
        tenant = applied.tenant
        if tenant.status == "deleted":
            log.info("refund %s of deleted tenant %s: recorded only", event.refund_id, tenant)
            return applied
        await self._directory.put(tenant.config())
        await self._events.publish(
            tenant_event("refunded", tenant.tenant_id),
            TenantRefunded(
                tenant_id=tenant.tenant_id,
                bot_username=tenant.bot_username,
                owner_chat_id=tenant.owner_chat_id,
                paid_until=tenant.paid_until,
                refund_id=event.refund_id,
                payment_id=event.payment_id,
                refunded_kopecks=event.amount_kopecks,
                days_removed=round(applied.removed.total_seconds() / 86400, 2),
                suspended=applied.suspended,
            ),
            msg_id=f"tenant:{tenant.tenant_id}:refunded:{event.refund_id}",
        )
        if applied.suspended and tenant.status == "suspended":
            await self._events.publish(
                tenant_event("suspended", tenant.tenant_id),
                TenantSuspended(
                    tenant_id=tenant.tenant_id,
                    bot_username=tenant.bot_username,
                    owner_chat_id=tenant.owner_chat_id,
                    reason=REFUNDED,
                ),
                msg_id=f"tenant:{tenant.tenant_id}:suspended:refund:{event.refund_id}",
            )
        log.info(
            "refund %s applied to %s: %s removed, paid until %s%s",
            event.refund_id,
            tenant.tenant_id,
            applied.removed,
            tenant.paid_until.isoformat(),
            ", suspended" if applied.suspended else "",
        )
        return applied
