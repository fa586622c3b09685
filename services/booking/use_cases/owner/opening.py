"""Whether customers can book yet, the customers waiting for it, and telling them it opened.

A business is open once an active service is performed by an active master who has weekly
hours. Until then customers may join the waitlist; `announce_if_open` (run after every admin
action) records one `BookingOpened` with everyone still waiting, in the transaction that marks
them told, so each waiting customer hears it once (notifier sends it in their language).
"""

from __future__ import annotations

from services.booking.use_cases.owner.ports import Opening, OwnerScope
from shared.messages import BookingOpened, Waiter
from shared.subjects import booking_event


async def status(scope: OwnerScope, telegram_id: int) -> Opening:
    async with scope.store.transaction() as session:
        return await session.opening(telegram_id)


def language_of(language_code: str) -> str:
    """`en-GB` -> `en`; `""` when Telegram did not say."""
    return language_code.split("-", maxsplit=1)[0].lower()[:8]


async def wait(scope: OwnerScope, *, telegram_id: int, language_code: str) -> bool:
    """Put the customer on the waitlist; False if they already were on it."""
    async with scope.store.transaction() as session:
        return await session.join_waitlist(telegram_id, language_of(language_code))


async def announce_if_open(scope: OwnerScope) -> int:
    """Tell the waiting customers once the business is open; returns how many were told."""
    async with scope.store.transaction() as session:
        waiting = await session.waiting()
        if not waiting:
            return 0
        opening = await session.opening(0)
        if not opening.ready:
            return 0
        now = scope.clock.now()
        event = BookingOpened(
            tenant_id=scope.tenant_id,
            business_name=opening.name,
            opened_at=now,
            waiting=tuple(Waiter(chat_id=w.chat_id, locale=w.locale) for w in waiting),
            locale=opening.locale,
        )
        key = f"booking:{scope.tenant_id}:opened:{int(now.timestamp() * 1000)}"
        await session.record_event(booking_event("opened", scope.tenant_id), event, msg_id=key)
        await session.mark_told([w.customer_id for w in waiting], now)
    return len(waiting)
