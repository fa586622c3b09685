"""The waitlist meets prepayment, through the Telegram emulator, the booking dispatcher, real
Postgres, Redis and NATS (the harness of `test_booking_conversation`): an offer tapped for a
service that asks a deposit holds the booking like the calendar's «Подтвердить» (nothing
announced, billing asked for the payment); when that hold runs out unpaid the customer's entry
is open again, and the freed time goes to the others who wait, not back to them.

The clock is Monday 2 June 2031, 09:00 Moscow; «Стрижка» is 60 minutes (`owner_catalog`).
"""

from __future__ import annotations

import msgspec
import pytest
from owner_catalog import make_catalog
from test_booking_admin import as_user
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    Talk,
    moscow,
    only,
    shared_infra,
    talk,
)
from test_prepay_held import deposit_for_haircuts
from test_slot_waitlist import (
    BASE,
    booked,
    cancel_in_bot,
    customer,
    entry,
    freed,
    ids,
    offer_message,
    open_entries,
)

from services.booking.use_cases.prepay import outcomes
from shared.messages import PrepayCommand, PrepayExpired, PrepayHold

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest


async def test_an_offer_taken_unpaid_holds_and_its_lapse_reopens_the_entry(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина",))
    await deposit_for_haircuts(talk)
    _, masters = await ids(talk)
    taker, other = BASE + 300, BASE + 301
    mine = await entry(talk, await customer(talk, taker, "Вера"), None, 3, 3)
    theirs = await entry(talk, await customer(talk, other, "Зоя"), None, 3, 3)
    holder = BASE + 350
    await booked(talk, holder, masters["Ирина"], moscow(3, 15))
    await cancel_in_bot(talk, holder)
    offer = await offer_message(talk, await freed(talk), taker)

    with as_user(talk, taker):
        held = only(await talk.tap(offer, "Записаться на 15:00"))
    assert "Время за вами до 09:15" in (held.text or "")  # the hold, not «Готово»
    assert "Ссылка на оплату придёт" in (held.text or "")
    command = msgspec.json.decode((await talk.event("prepay")).data, type=PrepayCommand)
    assert isinstance(command, PrepayHold)
    assert command.amount_kopecks == 50000
    assert await talk.stored("created") == 0  # nothing announced before the payment
    assert await open_entries(talk) == {theirs}

    scope = talk.deps.scope(talk.tenant_id, "main")
    lapsed = PrepayExpired(tenant_id=talk.tenant_id, booking_id=command.booking_id)
    assert await outcomes.handle(scope, lapsed, expired_reason="не оплачена") is None
    (row,) = await talk.sql("SELECT status FROM bookings WHERE id = $1", command.booking_id)
    assert row["status"] == "cancelled"
    assert await open_entries(talk) == {mine, theirs}  # the taker waits again
    again = await freed(talk)
    assert [o.chat_id for o in again.offers] == [other]  # not back to who let it lapse
    assert again.offers[0].times[0] == moscow(3, 15)

    # a repeated expiry changes nothing
    assert await outcomes.handle(scope, lapsed, expired_reason="не оплачена") is None
    assert await open_entries(talk) == {mine, theirs}
