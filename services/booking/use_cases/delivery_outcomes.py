"""What booking learns from the notifier's delivery outcomes (`notify.outcome.<t>`).

A customer's chat that answered «blocked» is marked (`customers.bot_blocked_at`): the client
base shows it and broadcasts leave it out until the customer writes to the bot again. A
broadcast's final report, or the notice that it was refused, means it is no longer running:
the next one may be sent. Every other outcome changes nothing. A repeated event is harmless.
"""

from __future__ import annotations

from services.booking.use_cases.admin.marketing_ports import MarketingStore
from shared.messages import DeliveryOutcome

BROADCAST_ENDED_KINDS = frozenset({"broadcast_report", "broadcast_busy"})
_REF = "bcast:"


def _broadcast_id(ref: str) -> int | None:
    if not ref.startswith(_REF) or not ref[len(_REF) :].isdigit():
        return None
    return int(ref[len(_REF) :])


async def handle(store: MarketingStore, event: DeliveryOutcome) -> bool:
    """Record what the outcome tells; True when something changed."""
    broadcast_id = _broadcast_id(event.ref) if event.kind in BROADCAST_ENDED_KINDS else None
    blocked = event.status == "blocked" and event.chat_id > 0
    if broadcast_id is None and not blocked:
        return False
    changed = False
    async with store.transaction() as session:
        if blocked:
            changed = await session.mark_bot_blocked(event.chat_id)
        if broadcast_id is not None:
            changed = await session.mark_broadcast_finished(broadcast_id) or changed
    return changed
