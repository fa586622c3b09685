"""Broadcasts (owner and admins): a message, an audience, a preview with the count, send; stop.

Booking chooses the recipients (customers who talk to the bot, not opted out of bulk messages,
not blocked) and records `booking.broadcast` with them in the broadcast's transaction; the
notifier sends at Telegram's limits, shows the progress to the sender and refuses a second
broadcast while one runs. Each send and stop is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.errors import BadInput, Unknown
from services.booking.use_cases.admin.marketing_ports import (
    Audience,
    AudienceKind,
    MarketingScope,
    MarketingSession,
    NewBroadcast,
)
from services.booking.use_cases.admin.ports import Staff
from shared.messages import BroadcastRequested, BroadcastStopped
from shared.subjects import BROADCAST_REQUESTED, BROADCAST_STOPPED, booking_event

DAY_CHOICES = (7, 30, 60, 90, 180)
MAX_DAYS = 3650
# a broadcast booking never heard the end of (an outcome lost) stops counting as running
RUNNING_AT_MOST = timedelta(hours=6)


class Busy(BadInput):
    """Another broadcast of this business is still running (as far as booking knows)."""

    def __init__(self) -> None:
        super().__init__("bcast_busy")


@dataclass(frozen=True, slots=True)
class Draft:
    """The owner's message: HTML text (the caption of `photo`, a file_id, when there is one)."""

    text: str
    photo: str = ""
    book_button: bool = False


@dataclass(frozen=True, slots=True)
class Preview:
    audience: Audience
    label: str  # the master's or service's name ("" for the other audiences)
    count: int
    broadcast_id: int = 0  # once sent


def audience_of(kind: AudienceKind, value: int) -> Audience:
    """An audience from a button, checked (the button's numbers are the client's)."""
    if kind in ("recent", "lapsed") and not 1 <= value <= MAX_DAYS:
        raise BadInput("bcast_days")
    if kind in ("master", "service") and value <= 0:
        raise Unknown(kind, value)
    return Audience(kind=kind, value=value if kind != "all" else 0)


def check_draft(draft: Draft) -> Draft:
    if not draft.text.strip() and not draft.photo:
        raise BadInput("bcast_empty")
    return draft


async def _label(session: MarketingSession, audience: Audience) -> str:
    if audience.kind == "master":
        names = {m.id: m.name for m in await session.all_masters()}
    elif audience.kind == "service":
        names = {s.id: s.name for s in await session.all_services()}
    else:
        return ""
    if audience.value not in names:
        raise Unknown(audience.kind, audience.value)
    return names[audience.value]


async def preview(scope: MarketingScope, actor: Staff, audience: Audience) -> Preview:
    require_manager(actor, "broadcasts")
    async with scope.store.transaction() as session:
        label = await _label(session, audience)
        chats = await session.recipients(audience, scope.clock.now())
    return Preview(audience=audience, label=label, count=len(chats))


async def send(scope: MarketingScope, actor: Staff, draft: Draft, audience: Audience) -> Preview:
    """Record the broadcast and its event; refuses an empty message or audience."""
    require_manager(actor, "broadcasts")
    check_draft(draft)
    async with scope.store.transaction() as session:
        if await session.broadcast_running(RUNNING_AT_MOST):
            raise Busy  # the notifier would refuse it too, but only after «Рассылка запущена»
        label = await _label(session, audience)
        chats = await session.recipients(audience, scope.clock.now())
        if not chats:
            raise BadInput("bcast_nobody")
        business = await session.business()
        broadcast_id = await session.add_broadcast(
            NewBroadcast(
                created_by=actor.telegram_id,
                text=draft.text,
                photo=draft.photo,
                book_button=draft.book_button,
                audience=audience,
                recipients=len(chats),
            )
        )
        event = BroadcastRequested(
            tenant_id=scope.tenant_id,
            broadcast_id=broadcast_id,
            owner_chat_id=actor.telegram_id,
            text=draft.text,
            recipients=tuple(chats),
            photo=draft.photo,
            book_button=draft.book_button,
            locale=business.locale,
        )
        await session.record_event(
            booking_event(BROADCAST_REQUESTED, scope.tenant_id),
            event,
            msg_id=f"booking:{scope.tenant_id}:broadcast:{broadcast_id}",
        )
        after = {
            "audience": audience.kind,
            "value": audience.value,
            "recipients": len(chats),
            "photo": bool(draft.photo),
            "book_button": draft.book_button,
            "text": draft.text[:200],
        }
        await audit.record(
            session, actor, "broadcast.send", f"broadcast:{broadcast_id}", after=after
        )
    return Preview(audience=audience, label=label, count=len(chats), broadcast_id=broadcast_id)


async def stop(scope: MarketingScope, actor: Staff, broadcast_id: int) -> None:
    """«Остановить»: the notifier cancels what has not gone yet."""
    require_manager(actor, "broadcasts")
    async with scope.store.transaction() as session:
        if not await session.mark_stopped(broadcast_id):
            return  # stopped already (a second tap): nothing new to say
        event = BroadcastStopped(
            tenant_id=scope.tenant_id, broadcast_id=broadcast_id, by_chat_id=actor.telegram_id
        )
        await session.record_event(
            booking_event(BROADCAST_STOPPED, scope.tenant_id),
            event,
            msg_id=f"booking:{scope.tenant_id}:bcaststop:{broadcast_id}",
        )
        await audit.record(session, actor, "broadcast.cancel", f"broadcast:{broadcast_id}")


async def options(scope: MarketingScope, actor: Staff, kind: AudienceKind) -> list[tuple[int, str]]:
    """The active masters or services to choose an audience from."""
    require_manager(actor, "broadcasts")
    async with scope.store.transaction() as session:
        if kind == "master":
            return [(m.id, m.name) for m in await session.all_masters() if m.active]
        return [(s.id, s.name) for s in await session.all_services() if s.active]
