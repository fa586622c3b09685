"""«Предоплата» in the business's bot, against the YooKassa emulator: the owner connects a
shop (a wrong key is refused and nothing saved; the right one is checked, sealed, deleted from
the chat and audited without itself), asks a deposit for a service; a customer's booking is
then held (it occupies its time, nothing announced) and `PrepayHold` goes to billing; billing's
answers then confirm it, or expire it and free the time."""

from __future__ import annotations

import base64
import os
from dataclasses import replace
from datetime import timedelta

import msgspec
import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    NOW,
    OWNER,
    Talk,
    book_through_buttons,
    only,
    shared_infra,
    talk,
)

from sandbox.yookassa.testing import running_sandbox
from services.booking.context import PrepayDeps
from services.booking.use_cases.prepay import outcomes
from shared.crypto import Sealer
from shared.messages import PrepayCommand, PrepayExpired, PrepayHold, PrepayLinkReady, PrepayPaid
from shared.settings import Secret
from shared.yookassa_shop import ShopApi

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]

SHOP, KEY = "300001", "test_right_key_0001"


async def test_owner_connects_a_shop_and_a_deposit_holds_the_booking(talk: Talk) -> None:
    sealer = Sealer(Secret(base64.urlsafe_b64encode(os.urandom(32)).decode()))
    async with running_sandbox({SHOP: KEY}) as url:
        api = ShopApi(f"{url}/v3")
        talk.deps = replace(
            talk.deps,
            prepay=PrepayDeps(checker=api, sealer=sealer, webhook_base_url="https://pay.example"),
        )
        customer, talk.user = talk.user, OWNER
        home = only(await talk.send("/admin"))
        screen = only(await talk.tap(home, "💳 Предоплата"))
        assert "ЮKassa: не подключена" in (screen.text or "")
        only(await talk.tap(screen, "Подключить ЮKassa"))
        asked = only(await talk.send(SHOP))
        assert "секретный ключ" in (asked.text or "")
        refused = only(await talk.send("test_wrong_key_0002"))
        assert "ЮKassa не приняла" in (refused.text or "")
        assert not (await talk.sql("SELECT * FROM prepay_shop WHERE shop_id IS NOT NULL"))
        saved = only(await talk.send(KEY))
        text = saved.text or ""
        assert "ЮKassa подключена" in text
        assert f"https://pay.example/webhooks/yookassa/t/{talk.tenant_id}" in text
        chat = await talk.shared.client.chat(talk.sandbox_bot, OWNER)
        assert not [m for m in chat.messages if KEY in (m.text or "")]  # deleted, never echoed
        (row,) = await talk.sql("SELECT shop_id, secret_sealed FROM prepay_shop")
        assert row["shop_id"] == SHOP
        assert KEY not in row["secret_sealed"]
        assert sealer.unseal(row["secret_sealed"]).reveal() == KEY

        card = only(await talk.tap(saved, "Стрижка: без предоплаты"))
        only(await talk.tap(card, "Депозит…"))
        done = only(await talk.send("500"))
        assert "депозит 500 ₽" in (done.text or "")
        audit = await talk.sql("SELECT action, after::text AS after FROM audit_log ORDER BY id")
        assert [r["action"] for r in audit] == ["prepay.connect", "prepay.service"]
        assert KEY not in str([tuple(r) for r in audit])
        await api.aclose()

    talk.user = customer
    await book_through_buttons(talk)
    summary = (await talk.share_contact("+79120000000"))[-1]
    held = only(await talk.tap(summary, "Подтвердить"))
    assert "Время за вами до" in (held.text or "")
    assert "Ссылка на оплату придёт" in (held.text or "")
    command = msgspec.json.decode((await talk.event("prepay")).data, type=PrepayCommand)
    assert isinstance(command, PrepayHold)
    assert (command.amount_kopecks, command.shop_id) == (50000, SHOP)
    assert command.hold_until == NOW + timedelta(minutes=15)
    assert sealer.unseal(command.secret_sealed).reveal() == KEY
    (booking,) = await talk.sql("SELECT id, status FROM bookings")
    assert booking["status"] == "confirmed"  # it holds the time
    assert await talk.stored("created") == 0  # nothing announced yet

    scope = talk.deps.scope(talk.tenant_id, "main")
    link = PrepayLinkReady(
        tenant_id=talk.tenant_id,
        booking_id=booking["id"],
        payment_id="pay-1",
        amount_kopecks=50000,
        confirmation_url="https://yookassa.example/checkout/pay-1",
    )
    note = await outcomes.handle(scope, link, expired_reason="не оплачена")
    assert note is not None
    assert (note.kind, note.url) == ("link", link.confirmation_url)
    assert await outcomes.handle(scope, link, expired_reason="не оплачена") is None  # once

    expired = PrepayExpired(tenant_id=talk.tenant_id, booking_id=booking["id"])
    assert await outcomes.handle(scope, expired, expired_reason="не оплачена") is None
    (gone,) = await talk.sql("SELECT status, cancelled_by, cancel_reason FROM bookings")
    assert tuple(gone) == ("cancelled", "system", "не оплачена")
    await talk.event("cancelled")

    # Paid after all, too late: a refund is asked for at once and the customer told.
    paid = PrepayPaid(
        tenant_id=talk.tenant_id, booking_id=booking["id"], payment_id="pay-1", amount_kopecks=50000
    )
    late = await outcomes.handle(scope, paid, expired_reason="не оплачена")
    assert late is not None
    assert late.kind == "late"
    refund = msgspec.json.decode((await talk.event("prepay")).data, type=PrepayCommand)
    assert refund.booking_id == booking["id"]
    assert await outcomes.handle(scope, paid, expired_reason="не оплачена") is None
