"""Tenant lifecycle and payment events → notes to the buyer and owner, via the sales bot."""

from __future__ import annotations

from collections.abc import Callable

from services.notifier.ports import (
    PLATFORM,
    DeliveryStore,
    NewDelivery,
    TenantProfile,
    TenantProfiles,
)
from services.notifier.use_cases import keys, markup
from services.notifier.use_cases.texts import DEFAULT_LOCALE, DEFAULT_TIMEZONE, Texts
from shared.clock import Clock
from shared.messages import (
    PaymentCanceled,
    TenantExpiring,
    TenantProvisioned,
    TenantRefunded,
    TenantRenewed,
    TenantResumed,
    TenantSuspended,
)


class TenantNotes:
    def __init__(
        self,
        *,
        store: DeliveryStore,
        profiles: TenantProfiles,
        texts: Texts,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._profiles = profiles
        self._texts = texts
        self._clock = clock
        self._wake = wake

    async def on_provisioned(self, event: TenantProvisioned) -> int:
        profile = await self._profile(event.tenant_id)
        texts = self._texts(profile.locale)
        text = texts.text(
            "provisioned_trial" if event.trial else "provisioned",
            bot_username=event.bot_username,
            business_name=event.business_name,
            paid_until=texts.date(event.paid_until, profile.timezone),
        )
        chats = dict.fromkeys(c for c in (event.buyer_chat_id, event.owner_chat_id) if c)
        rows = [
            self._note(
                keys.provisioned(event.tenant_id, chat_id),
                event.tenant_id,
                chat_id,
                kind="provisioned",
                text=text,
                reply_markup=markup.open_bot(texts, event.bot_username),
            )
            for chat_id in chats
        ]
        return await self._add(rows)

    async def on_renewed(self, event: TenantRenewed) -> int:
        profile = await self._profile(event.tenant_id)
        texts = self._texts(profile.locale)
        text = texts.text(
            "renewed_reactivated" if event.reactivated else "renewed",
            bot_username=event.bot_username,
            paid_until=texts.date(event.paid_until, profile.timezone),
        )
        key = keys.renewed(event.tenant_id, event.paid_until)
        return await self._add(
            [self._note(key, event.tenant_id, event.owner_chat_id, kind="renewed", text=text)]
        )

    async def on_expiring(self, event: TenantExpiring) -> int:
        profile = await self._profile(event.tenant_id)
        texts = self._texts(profile.locale)
        text = texts.text(
            "expiring",
            days=event.days_left,
            bot_username=event.bot_username,
            paid_until=texts.date(event.paid_until, profile.timezone),
        )
        key = keys.expiring(event.tenant_id, event.paid_until, event.days_left)
        note = self._note(
            key,
            event.tenant_id,
            event.owner_chat_id,
            kind="expiring",
            text=text,
            reply_markup=markup.renew(texts, event.tenant_id),
        )
        return await self._add([note])

    async def on_suspended(self, event: TenantSuspended, event_id: str) -> int:
        profile = await self._profile(event.tenant_id)
        texts = self._texts(profile.locale)
        reason = texts.choice("suspend_reasons", event.reason)
        text = texts.text("suspended", bot_username=event.bot_username, reason=reason)
        key = keys.lifecycle("suspended", event.tenant_id, event_id)
        return await self._add(
            [self._note(key, event.tenant_id, event.owner_chat_id, kind="suspended", text=text)]
        )

    async def on_resumed(self, event: TenantResumed, event_id: str) -> int:
        profile = await self._profile(event.tenant_id)
        texts = self._texts(profile.locale)
        text = texts.text("resumed", bot_username=event.bot_username)
        key = keys.lifecycle("resumed", event.tenant_id, event_id)
        return await self._add(
            [self._note(key, event.tenant_id, event.owner_chat_id, kind="resumed", text=text)]
        )

    async def on_refunded(self, event: TenantRefunded) -> int:
        """A shortened period; a refund that suspended the tenant is told by `on_suspended`."""
        if event.suspended:
            return 0
        profile = await self._profile(event.tenant_id)
        texts = self._texts(profile.locale)
        rubles, kopecks = divmod(event.refunded_kopecks, 100)
        text = texts.text(
            "refunded",
            amount=f"{rubles},{kopecks:02d}" if kopecks else str(rubles),
            bot_username=event.bot_username,
            days=f"{event.days_removed:g}",
            paid_until=texts.date(event.paid_until, profile.timezone),
        )
        key = keys.refunded(event.tenant_id, event.refund_id)
        return await self._add(
            [self._note(key, event.tenant_id, event.owner_chat_id, kind="refunded", text=text)]
        )

    async def on_payment_canceled(self, event: PaymentCanceled) -> int:
        if not event.buyer_chat_id:
            return 0
        tenant_id = event.tenant_id or PLATFORM
        profile = await self._profile(event.tenant_id) if event.tenant_id else _DEFAULT
        texts = self._texts(profile.locale)
        reason = texts.choice("cancel_reasons", event.reason, fallback="cancel_reason_other")
        text = texts.text("payment_canceled", reason=reason)
        key = keys.payment_canceled(event.payment_id)
        note = self._note(key, tenant_id, event.buyer_chat_id, kind="payment_canceled", text=text)
        return await self._add([note])

    def _note(
        self,
        key: str,
        tenant_id: str,
        chat_id: int,
        *,
        kind: str,
        text: str,
        reply_markup: dict[str, object] | None = None,
    ) -> NewDelivery:
        return NewDelivery(
            dedup_key=key,
            tenant_id=tenant_id,
            via="sales",
            chat_id=chat_id,
            kind=kind,
            text=text,
            due_at=self._clock.now(),
            reply_markup=reply_markup,
        )

    async def _profile(self, tenant_id: str) -> TenantProfile:
        return await self._profiles.get(tenant_id) or _DEFAULT

    async def _add(self, rows: list[NewDelivery]) -> int:
        rows = [row for row in rows if row.chat_id]
        added = await self._store.add(rows) if rows else 0
        if added:
            self._wake()
        return added


_DEFAULT = TenantProfile(timezone=DEFAULT_TIMEZONE, locale=DEFAULT_LOCALE)
