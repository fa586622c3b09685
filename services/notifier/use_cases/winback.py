"""Win-back: "time for your next visit", N days after a visit, with one tap to book the same
service and master again.

The owner's rule per service (`booking.winback`, off by default) is kept here. A booking's
win-back is part of its schedule (`SCHEDULE_KINDS`): a reschedule moves it, a cancellation or a
no-show drops it. A new booking by the same customer stops their other win-backs (they booked
again); if every booking that stopped one is cancelled, it is pending again, at its own time,
or a day after the cancellation if that has passed (not in the same breath as "cancelled").
Customers who opted out of bulk messages get none (and opting out cancels what is pending).
"""

from __future__ import annotations

from datetime import timedelta

from services.notifier.ports import NewDelivery
from services.notifier.use_cases import keys
from services.notifier.use_cases.broadcasts import bulk_markup
from services.notifier.use_cases.marketing_ports import MarketingStore
from services.notifier.use_cases.texts import Catalog
from shared.callbacks import BulkBook
from shared.clock import Clock
from shared.messages import BookingCancelled, BookingCreated, BookingRescheduled, WinbackRuleSet

KIND = "winback"
RESTORE_DELAY = timedelta(days=1)  # an overdue win-back restored by a cancellation waits this


class Winback:
    def __init__(self, *, store: MarketingStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def on_rule(self, event: WinbackRuleSet) -> None:
        days = event.days if event.days and event.days > 0 else None
        await self._store.set_winback(event.tenant_id, event.service_id, days)

    async def rows(
        self, event: BookingCreated | BookingRescheduled, texts: Catalog
    ) -> list[NewDelivery]:
        """The booking's win-back, if its service has a rule and the customer takes them."""
        if not (event.customer_chat_id and event.service_id):
            return []
        days = await self._store.winback_days(event.tenant_id, event.service_id)
        if days is None:
            return []
        due = event.ends_at + timedelta(days=days)
        if due <= self._clock.now():
            return []
        if await self._store.opted_out(event.tenant_id, [event.customer_chat_id]):
            return []
        text = texts.text(
            "winback.text",
            days=days,
            service=event.service_name,
            master=event.master_name,
            date=texts.date(event.starts_at, event.timezone),
        )
        book = BulkBook(s=event.service_id, m=event.master_id)
        return [
            NewDelivery(
                dedup_key=f"winback:{event.tenant_id}:{event.booking_id}:"
                f"{keys.instant(event.ends_at)}",
                tenant_id=event.tenant_id,
                via="tenant",
                chat_id=event.customer_chat_id,
                kind=KIND,
                text=text,
                due_at=due,
                reply_markup=bulk_markup(texts, book=book),
                ref=str(event.booking_id),
            )
        ]

    async def booked_again(self, event: BookingCreated) -> int:
        """The customer booked: their win-backs of earlier visits are not needed any more."""
        if not event.customer_chat_id:
            return 0
        return await self._store.cancel_winbacks(
            event.tenant_id, event.customer_chat_id, keep_ref=str(event.booking_id)
        )

    async def booking_cancelled(self, event: BookingCancelled) -> int:
        """The booking that stopped the customer's earlier win-backs is gone: those that no
        other booking stops are pending again (how many)."""
        if not event.customer_chat_id:
            return 0
        return await self._store.restore_winbacks(
            event.tenant_id,
            event.customer_chat_id,
            str(event.booking_id),
            self._clock.now() + RESTORE_DELAY,
        )
