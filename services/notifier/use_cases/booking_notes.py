"""Booking events → admin alerts now, reminders before the visit, a review request after it.

A booking's reminders and review request are its *schedule* (`ref` = the booking id): a
reschedule replaces it, a cancellation cancels what is still pending. Reminders whose moment
has already passed when the event is handled are skipped, not sent late; a reminder row carries
its `Visit`, so one that goes out late (an outage) is reworded or dropped (`late.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from services.notifier.ports import DeliveryStore, NewDelivery, Visit
from services.notifier.use_cases import keys, markup, own_texts, slot_offers
from services.notifier.use_cases.texts import Catalog, Safe, Texts
from services.notifier.use_cases.winback import Winback
from shared.clock import Clock
from shared.messages import (
    BookingCancelled,
    BookingCreated,
    BookingNoShow,
    BookingOpened,
    BookingRescheduled,
    BusinessRezoned,
    SlotFreed,
)


class BookingNotes:
    def __init__(
        self,
        *,
        store: DeliveryStore,
        texts: Texts,
        clock: Clock,
        review_delay: timedelta = timedelta(hours=2),
        wake: Callable[[], None] = lambda: None,
        winback: Winback | None = None,
    ) -> None:
        self._winback = winback
        self._store = store
        self._texts = texts
        self._clock = clock
        self._review_delay = review_delay
        self._wake = wake

    async def on_created(self, event: BookingCreated) -> int:
        texts = self._texts(event.locale)
        when = texts.when(event.starts_at, event.timezone)
        alert = texts.text(
            "admin_created",
            when=when,
            service=event.service_name,
            master=event.master_name,
            customer=event.customer_name,
            phone=event.customer_phone,
        )
        version = keys.instant(event.starts_at)
        alerts = self._alerts(
            event.tenant_id,
            event.booking_id,
            kind="created",
            version=version,
            admin_chat_ids=event.admin_chat_ids,
            text=alert,
        )
        added = await self._store.add(alerts) if alerts else 0
        if event.customer_chat_id:
            # The customer booked in the bot, so they talk to it again even if they had blocked it.
            await self._store.unblock(event.tenant_id, "tenant", event.customer_chat_id)
            theirs = self._texts.first(event.customer_locale, event.locale)
            schedule = self._schedule(event, theirs)
            if self._winback is not None:
                await self._winback.booked_again(event)
                schedule += await self._winback.rows(event, theirs)
            added += await self._store.add_schedule(
                event.tenant_id, str(event.booking_id), schedule, replace=False
            )
            if event.made_by == "staff":  # booked by phone: the customer hears it from the bot
                text = theirs.text(
                    "customer_booked_by_staff",
                    when=theirs.when(event.starts_at, event.timezone),
                    service=event.service_name,
                    master=event.master_name,
                )
                key = keys.customer_booked(event.tenant_id, event.booking_id)
                row = self._row(
                    key,
                    event.tenant_id,
                    event.customer_chat_id,
                    "customer_booked",
                    text,
                    ref=str(event.booking_id),
                )
                added += await self._store.add([row])
        return self._woke(added)

    async def on_rescheduled(self, event: BookingRescheduled) -> int:
        texts = self._texts(event.locale)
        added = 0
        if event.customer_chat_id:
            theirs = self._texts.first(event.customer_locale, event.locale)
            schedule = self._schedule(event, theirs)
            if self._winback is not None:
                schedule += await self._winback.rows(event, theirs)
            added += await self._store.add_schedule(
                event.tenant_id, str(event.booking_id), schedule, replace=True
            )
            if event.moved_by == "staff":  # moved by staff: the customer is told
                text = theirs.text(
                    "customer_moved_by_staff",
                    old_when=theirs.when(event.old_starts_at, event.timezone),
                    when=theirs.when(event.starts_at, event.timezone),
                    service=event.service_name,
                    master=event.master_name,
                )
                key = keys.customer_moved(event.tenant_id, event.booking_id, event.starts_at)
                row = self._row(
                    key,
                    event.tenant_id,
                    event.customer_chat_id,
                    "customer_moved",
                    text,
                    ref=str(event.booking_id),
                )
                added += await self._store.add([row])
        else:
            await self._store.cancel_schedule(event.tenant_id, str(event.booking_id))
        alert = texts.text(
            "admin_rescheduled",
            old_when=texts.when(event.old_starts_at, event.timezone),
            when=texts.when(event.starts_at, event.timezone),
            service=event.service_name,
            master=event.master_name,
            customer=event.customer_name,
        )
        version = keys.instant(event.starts_at)
        alerts = self._alerts(
            event.tenant_id,
            event.booking_id,
            kind="rescheduled",
            version=version,
            admin_chat_ids=event.admin_chat_ids,
            text=alert,
        )
        added += await self._store.add(alerts) if alerts else 0
        return self._woke(added)

    async def on_cancelled(self, event: BookingCancelled) -> int:
        texts = self._texts(event.locale)
        await self._store.cancel_schedule(event.tenant_id, str(event.booking_id))
        if self._winback is not None:
            await self._winback.booking_cancelled(event)
        when = texts.when(event.starts_at, event.timezone)
        reason = Safe(texts.text("reason_line", reason=event.reason)) if event.reason else ""
        alert = texts.text(
            "admin_cancelled",
            who=texts.choice("cancelled_by", event.cancelled_by),
            when=when,
            service=event.service_name,
            master=event.master_name,
            customer=event.customer_name,
            reason=reason,
        )
        rows = self._alerts(
            event.tenant_id,
            event.booking_id,
            kind="cancelled",
            version="",
            admin_chat_ids=event.admin_chat_ids,
            text=alert,
        )
        if event.cancelled_by != "customer" and event.customer_chat_id and not event.customer_told:
            theirs = self._texts.first(event.customer_locale, event.locale)
            their_reason = (
                Safe(theirs.text("reason_line", reason=event.reason)) if event.reason else ""
            )
            text = theirs.text(
                "customer_cancelled",
                when=theirs.when(event.starts_at, event.timezone),
                service=event.service_name,
                master=event.master_name,
                reason=their_reason,
            )
            rows.append(
                self._row(
                    keys.customer_cancelled(event.tenant_id, event.booking_id),
                    event.tenant_id,
                    event.customer_chat_id,
                    "customer_cancelled",
                    text,
                    ref=str(event.booking_id),
                )
            )
        added = await self._store.add(rows) if rows else 0
        return self._woke(added)

    async def on_no_show(self, event: BookingNoShow) -> int:
        """The customer did not come: no review request (nor anything else still pending)."""
        await self._store.cancel_schedule(event.tenant_id, str(event.booking_id))
        return 0

    async def on_rezoned(self, event: BusinessRezoned) -> int:
        """Reword the tenant's pending reminders in the new zone (same instants, new local
        times); returns how many were reworded."""
        changed = 0
        for delivery_id, visit in await self._store.pending_reminders(event.tenant_id):
            moved = replace(visit, timezone=event.timezone)
            texts = self._texts(visit.locale)
            text = own_texts.reminder(texts, moved) or texts.text(
                "reminder",
                lead=Safe(texts.lead(visit.offset_min)),
                when=texts.when(visit.starts_at, event.timezone),
                service=visit.service,
                master=visit.master,
            )
            changed += await self._store.retext(delivery_id, text, moved)
        return changed

    async def on_opened(self, event: BookingOpened) -> int:
        """Tell each customer who asked that the business takes bookings now, in their
        language where known, else the business's."""
        rows = []
        for waiter in event.waiting:
            if not waiter.chat_id:
                continue
            texts = self._texts.first(waiter.locale, event.locale)
            rows.append(
                self._row(
                    keys.opened(event.tenant_id, event.opened_at, waiter.chat_id),
                    event.tenant_id,
                    waiter.chat_id,
                    "opened",
                    texts.text("booking_opened", name=event.business_name),
                )
            )
        added = await self._store.add(rows) if rows else 0
        return self._woke(added)

    async def on_slot_freed(self, event: SlotFreed) -> int:
        """Offer freed time to the waitlisted customers booking found (`slot_offers`)."""
        rows = slot_offers.offer_rows(event, self._texts, self._clock.now())
        added = await self._store.add(rows) if rows else 0
        return self._woke(added)

    def _schedule(
        self, event: BookingCreated | BookingRescheduled, texts: Catalog
    ) -> list[NewDelivery]:
        now = self._clock.now()
        ref = str(event.booking_id)
        when = texts.when(event.starts_at, event.timezone)
        rows = []
        for offset in sorted(set(event.reminder_offsets_min), reverse=True):
            due = event.starts_at - timedelta(minutes=offset)
            if offset <= 0 or due <= now:
                continue  # that moment has passed: a late reminder would only confuse
            visit = Visit(
                starts_at=event.starts_at,
                offset_min=offset,
                locale=texts.code,
                timezone=event.timezone,
                service=event.service_name,
                master=event.master_name,
                template=event.reminder_text,
                customer=event.customer_name,
                business=event.business_name,
                address=event.address,
            )
            text = own_texts.reminder(texts, visit) or texts.text(
                "reminder",
                lead=Safe(texts.lead(offset)),
                when=when,
                service=event.service_name,
                master=event.master_name,
            )
            rows.append(
                self._row(
                    keys.reminder(event.tenant_id, event.booking_id, offset, event.starts_at),
                    event.tenant_id,
                    event.customer_chat_id,
                    "reminder",
                    text,
                    due_at=due,
                    reply_markup=markup.reminder(texts, event.booking_id),
                    ref=ref,
                    visit=visit,
                )
            )
        delay = self._review_delay
        if event.review_delay_min is not None and event.review_delay_min >= 0:
            delay = timedelta(minutes=event.review_delay_min)  # the business's own setting
        review_at = event.ends_at + delay
        if review_at > now:
            text = own_texts.review(
                event.review_text,
                customer=event.customer_name,
                business=event.business_name,
                service=event.service_name,
                master=event.master_name,
            ) or texts.text("review", service=event.service_name, master=event.master_name)
            rows.append(
                self._row(
                    keys.review(event.tenant_id, event.booking_id, event.ends_at),
                    event.tenant_id,
                    event.customer_chat_id,
                    "review",
                    text,
                    due_at=review_at,
                    reply_markup=markup.review(texts, event.booking_id),
                    ref=ref,
                )
            )
        return rows

    def _alerts(
        self,
        tenant_id: str,
        booking_id: int,
        *,
        kind: str,
        version: str,
        admin_chat_ids: Sequence[int],
        text: str,
    ) -> list[NewDelivery]:
        return [
            self._row(
                keys.admin_alert(kind, tenant_id, booking_id, version, chat_id),
                tenant_id,
                chat_id,
                f"admin_{kind}",
                text,
                ref=str(booking_id),
            )
            for chat_id in dict.fromkeys(admin_chat_ids)
            if chat_id
        ]

    def _row(
        self,
        key: str,
        tenant_id: str,
        chat_id: int,
        kind: str,
        text: str,
        *,
        due_at: datetime | None = None,
        reply_markup: dict[str, object] | None = None,
        ref: str | None = None,
        visit: Visit | None = None,
    ) -> NewDelivery:
        return NewDelivery(
            dedup_key=key,
            tenant_id=tenant_id,
            via="tenant",
            chat_id=chat_id,
            kind=kind,
            text=text,
            due_at=due_at or self._clock.now(),
            reply_markup=reply_markup,
            ref=ref,
            visit=visit,
        )

    def _woke(self, added: int) -> int:
        if added:
            self._wake()
        return added
