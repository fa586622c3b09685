"""A customer's one-tap opt-out of bulk messages (broadcasts, win-back), and back in.

The choice is the customer's own (`customers.bulk_optout_at`), read whenever booking chooses a
broadcast's recipients; the notifier is told (`booking.optout`) so it cancels what is already
queued for the chat and schedules no win-back for it.
"""

from __future__ import annotations

from services.booking.use_cases.admin.marketing_ports import MarketingScope
from shared.messages import BulkOptOutChanged
from shared.subjects import BULK_OPTOUT_CHANGED, booking_event


async def set_bulk_optout(scope: MarketingScope, *, telegram_id: int, opted_out: bool) -> bool:
    """Record the choice; True if it changed (a second tap changes nothing)."""
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        changed = await session.set_bulk_optout(telegram_id, opted_out=opted_out)
        event = BulkOptOutChanged(
            tenant_id=scope.tenant_id, chat_id=telegram_id, opted_out=opted_out, changed_at=now
        )
        # Told even when nothing changed here: a customer the bot never saw (no row) still
        # opts out in the notifier, and the notifier's record is idempotent.
        await session.record_event(
            booking_event(BULK_OPTOUT_CHANGED, scope.tenant_id),
            event,
            msg_id=f"booking:{scope.tenant_id}:optout:{telegram_id}:{int(now.timestamp() * 1000)}",
        )
    return changed
