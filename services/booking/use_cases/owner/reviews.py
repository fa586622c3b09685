"""The reviews the owner reads: newest first with stars and comments, the overall average and
one per master; a master sees only their own. Also the review-request delay (minutes after a
visit ends), which notifier honours per booking."""

from __future__ import annotations

from dataclasses import dataclass

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import master_filter, require_manager
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.parsing import parse_minutes
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.owner.ports import Average, OwnerScope, ReviewLine

PAGE = 8
MAX_PAGE = 10_000
MAX_DELAY_MIN = 7 * 1440


@dataclass(frozen=True, slots=True)
class ReviewsView:
    overall: Average
    per_master: tuple[Average, ...]
    lines: tuple[ReviewLine, ...]
    page: int
    more: bool
    delay_min: int
    timezone: str


async def page(scope: OwnerScope, actor: Staff, number: int = 0) -> ReviewsView:
    if not 0 <= number <= MAX_PAGE:
        raise BadInput("bad_button")
    mine = master_filter(actor)
    async with scope.store.transaction() as session:
        found = await session.reviews(master_id=mine, limit=PAGE + 1, offset=number * PAGE)
        averages = await session.averages(master_id=mine)
        delay = await session.review_delay()
        zone = (await session.opening(actor.telegram_id)).timezone
    return ReviewsView(
        overall=averages[0],
        per_master=tuple(averages[1:]),
        lines=tuple(found[:PAGE]),
        page=number,
        more=len(found) > PAGE,
        delay_min=delay,
        timezone=zone,
    )


async def set_delay(scope: OwnerScope, actor: Staff, text: str) -> int:
    """`2ч`, `90`, `0` -> minutes after a visit ends before the review request goes out."""
    require_manager(actor, "settings")
    minutes = 0 if text.strip() == "0" else parse_minutes(text, lo=0, hi=MAX_DELAY_MIN)
    async with scope.store.transaction() as session:
        before = await session.review_delay()
        await session.set_review_delay(minutes)
        await audit.record_change(session, actor, "review_delay_min", before, minutes)
    return minutes
