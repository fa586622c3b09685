"""Creating a tenant from a payment or a trial, exactly once; renewing an existing one.

The registry transaction (schema, role, seed, registry row, the applied payment) is the point
of no return and is idempotent by the payment id. Everything after it (directory entry, bot
webhook, the event) is repeated on every redelivery, and each step is idempotent, so a
provisioner killed half-way finishes the job on the next delivery, or the sweep's
reconciliation finishes it (`finish`). `tenant.provisioned` is written to the outbox in the
transaction that marks the tenant announced, once the bot is set up; `tenant.renewed` in the
transaction that applies the payment.

The bot's menu and description are optional and set while the webhook is: when setting them
fails the tenant still goes live and the buyer is still told (`tenant.provisioned`); a
`DecorateBot` command on `setup.bot.<t>` then retries them on its own (`decorate`) until they
are set.

A second payment on a signup that already has its tenant (a trial, or two plan links paid)
renews that tenant; a purchase for a bot whose tenant was deleted creates a fresh tenant.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Literal

from services.provisioner.ports import (
    Announcement,
    Announcements,
    Applied,
    BotSetup,
    Directory,
    Events,
    Payment,
    TenantRecord,
    TenantRegistry,
)
from shared.clock import Clock
from shared.crypto import Sealer
from shared.errors import AppError
from shared.messages import (
    DecorateBot,
    PaymentSucceeded,
    TenantProvisioned,
    TenantRenewed,
    TrialStarted,
)
from shared.settings import Secret
from shared.subjects import setup_bot, tenant_event

log = logging.getLogger(__name__)


class Provisioning:
    def __init__(
        self,
        *,
        registry: TenantRegistry,
        bots: BotSetup,
        directory: Directory,
        announcements: Announcements,
        events: Events,
        sealer: Sealer,
        clock: Clock,
        delivery: Literal["webhook", "polling"],
    ) -> None:
        self._registry = registry
        self._bots = bots
        self._directory = directory
        self._announcements = announcements
        self._events = events  # commands only (`setup.bot.<t>`); events go through the outbox
        self._sealer = sealer
        self._clock = clock
        self._delivery = delivery

    async def on_payment(self, event: PaymentSucceeded) -> Applied:
        kind: Literal["new", "renewal", "manual"] = "manual" if event.manual else event.purpose
        payment = Payment(
            payment_id=event.payment_id,
            kind=kind,
            plan_code=event.plan_code,
            period_days=event.period_days,
            amount_kopecks=event.amount_kopecks,
        )
        if event.tenant_id is not None:
            return await self.renew(event.tenant_id, payment)
        if event.signup is None:
            raise ValueError("a payment for a new tenant must carry its signup")
        existing = await self._registry.find_by_bot(event.signup.bot_id)
        live = existing is not None and existing.status != "deleted"
        if existing is not None and live and existing.signup_id != event.signup.signup_id:
            return await self.renew(existing.tenant_id, replace(payment, kind="renewal"))
        applied = await self._registry.create_tenant(
            signup=event.signup, payment=payment, delivery=self._delivery, now=self._clock.now()
        )
        if not applied.created and await self._registry.payment_kind(payment.payment_id) in {
            None,
            "renewal",
        }:
            # The signup has its tenant already (a trial, or another plan link paid): this
            # payment renews it. A redelivery of the payment that created it goes live again.
            return await self.renew(applied.tenant.tenant_id, replace(payment, kind="renewal"))
        await self._go_live(applied.tenant)
        return applied

    async def on_trial(self, event: TrialStarted) -> Applied:
        payment = Payment(
            payment_id=f"trial:{event.signup.signup_id}",
            kind="trial",
            plan_code="trial",
            period_days=event.period_days,
            amount_kopecks=0,
        )
        applied = await self._registry.create_tenant(
            signup=event.signup, payment=payment, delivery=self._delivery, now=self._clock.now()
        )
        await self._go_live(applied.tenant)
        return applied

    async def renew(self, tenant_id: str, payment: Payment) -> Applied:
        def renewed(applied: Applied) -> Announcement:
            tenant = applied.tenant
            return Announcement(
                tenant_event("renewed", tenant.tenant_id),
                TenantRenewed(
                    tenant_id=tenant.tenant_id,
                    bot_username=tenant.bot_username,
                    owner_chat_id=tenant.owner_chat_id,
                    paid_until=tenant.paid_until,
                    reactivated=applied.reactivated,
                ),
                msg_id=f"tenant:{tenant.tenant_id}:renewed:{payment.payment_id}",
            )

        applied = await self._registry.apply_payment(
            tenant_id, payment, self._clock.now(), announce=renewed
        )
        await self._directory.put(applied.tenant.config())
        return applied

    async def finish(self, tenant: TenantRecord) -> None:
        """Bring a committed tenant live (the sweep's reconciliation, for one never announced)."""
        await self._go_live(tenant)

    async def _go_live(self, tenant: TenantRecord) -> None:
        """Directory entry, bot set-up, then the announcement (once)."""
        token = self._sealer.unseal(tenant.bot_token_sealed)
        await self._directory.put(tenant.config())
        # The webhook and the optional menu at once: the bot serves customers as soon as its
        # webhook is set, whatever the menu calls take.
        _, decorated = await asyncio.gather(
            self._bots.configure(tenant, token), self._try_decorate(tenant, token)
        )
        await self._announcements.mark_live(
            tenant.tenant_id,
            Announcement(
                tenant_event("provisioned", tenant.tenant_id),
                TenantProvisioned(
                    tenant_id=tenant.tenant_id,
                    business_name=tenant.business_name,
                    bot_username=tenant.bot_username,
                    owner_chat_id=tenant.owner_chat_id,
                    buyer_chat_id=tenant.buyer_chat_id,
                    paid_until=tenant.paid_until,
                    plan_code=tenant.plan_code,
                    trial=tenant.trial,
                    signup_id=tenant.signup_id,
                ),
                msg_id=f"tenant:{tenant.tenant_id}:provisioned",
            ),
        )
        log.info("tenant %s is live as @%s", tenant.tenant_id, tenant.bot_username)
        if not decorated:
            await self._events.publish(
                setup_bot(tenant.tenant_id),
                DecorateBot(tenant_id=tenant.tenant_id),
                msg_id=f"tenant:{tenant.tenant_id}:decorate",
            )

    async def decorate(self, command: DecorateBot) -> None:
        """Set a live bot's menu and description; raises `TransientError` to be retried."""
        tenant = await self._registry.get(command.tenant_id)
        if tenant is None or tenant.status == "deleted":
            log.info("no menu to set for %s: the tenant is gone", command.tenant_id)
            return
        await self._bots.decorate(tenant, self._sealer.unseal(tenant.bot_token_sealed))
        log.info("menu of @%s is set", tenant.bot_username)

    async def _try_decorate(self, tenant: TenantRecord, token: Secret) -> bool:
        try:
            await self._bots.decorate(tenant, token)
        except AppError as error:
            log.warning("menu of %s not set yet (%s); retrying on its own", tenant.tenant_id, error)
            return False
        return True
