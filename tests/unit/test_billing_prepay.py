"""Billing believes a business's shop notification only as it believes its own: from
YooKassa's networks, and only when the payment fetched back with that shop's key agrees
(status, amount, currency, metadata) and belongs to the tenant of the path; recorded once."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from services.billing.adapters.prepay_pg import PrepayRecord
from services.billing.ports import OutboxEvent
from services.billing.use_cases.notifications import NotificationSource
from services.billing.use_cases.prepay import ShopRefunds, metadata_of
from services.billing.use_cases.prepay_notes import RecordShopNotification
from services.billing.use_cases.recording import ForgedNotification
from shared.messages import PrepayPaid
from shared.settings import Secret
from shared.yookassa_shop import ShopCredentials, ShopPayment

pytestmark = pytest.mark.asyncio

YOOKASSA = "185.71.76.10"
LOCAL = PrepayRecord(
    payment_id="pay-1",
    tenant_id="salon_anna",
    booking_id=7,
    shop_id="300001",
    secret_sealed="sealed",
    amount_kopecks=50000,
    currency="RUB",
    status="pending",
    hold_until=datetime(2026, 6, 1, tzinfo=UTC),
    refunded_kopecks=0,
)


class FakeApi:
    def __init__(self, remote: ShopPayment | None) -> None:
        self.remote = remote
        self.keys: list[str] = []

    async def get_payment(self, shop: ShopCredentials, payment_id: str) -> ShopPayment | None:
        self.keys.append(shop.secret_key)
        return self.remote if self.remote and self.remote.id == payment_id else None


class FakeStore:
    def __init__(self) -> None:
        self.ledger: set[tuple[str, str]] = set()
        self.events: list[OutboxEvent] = []

    async def get(self, payment_id: str) -> PrepayRecord | None:
        return LOCAL if payment_id == LOCAL.payment_id else None

    async def record_payment(
        self, record: PrepayRecord, *, status: str, outbox: OutboxEvent | None
    ) -> bool:
        if (record.payment_id, status) in self.ledger:
            return False
        self.ledger.add((record.payment_id, status))
        if outbox is not None:
            self.events.append(outbox)
        return True


class FakeSealer:
    def unseal(self, sealed: str) -> Secret:
        assert sealed == "sealed"
        return Secret("the-shop-key")


def remote(**changes: object) -> ShopPayment:
    base = ShopPayment(
        id="pay-1",
        status="succeeded",
        amount_kopecks=50000,
        currency="RUB",
        metadata=metadata_of("salon_anna", 7),
        confirmation_url=None,
        account_id="300001",
    )
    return msgspec.structs.replace(base, **changes)


def record(api: FakeApi, store: FakeStore) -> RecordShopNotification:
    source = NotificationSource(
        allowed=(ipaddress.ip_network("185.71.76.0/27"),), trusted_proxies=()
    )
    sealer = FakeSealer()
    shop: Any = api  # the fakes stand in for the adapters
    ledger: Any = store
    refunds = ShopRefunds(api=shop, store=ledger, sealer=sealer)
    return RecordShopNotification(
        source=source, api=shop, store=ledger, sealer=sealer, refunds=refunds
    )


def note(payment_id: str = "pay-1", event: str = "payment.succeeded") -> bytes:
    return msgspec.json.encode(
        {"type": "notification", "event": event, "object": {"id": payment_id}}
    )


async def test_a_verified_payment_is_recorded_once_with_the_shops_own_key() -> None:
    api, store = FakeApi(remote()), FakeStore()
    webhook = record(api, store)
    first = await webhook(tenant_id="salon_anna", peer=YOOKASSA, forwarded_for=(), body=note())
    again = await webhook(tenant_id="salon_anna", peer=YOOKASSA, forwarded_for=(), body=note())
    assert (first, again) == ("recorded", "duplicate")
    assert api.keys == ["the-shop-key", "the-shop-key"]
    (event,) = store.events
    assert isinstance(event.event, PrepayPaid)
    assert event.subject == "payment.prepay.salon_anna"
    assert event.msg_id == "prepay:salon_anna:7:paid"


@pytest.mark.parametrize(
    ("tenant", "peer", "fetched", "why"),
    [
        ("salon_anna", "203.0.113.9", remote(), "is not YooKassa"),
        ("salon_anna", YOOKASSA, remote(amount_kopecks=100), "amount or currency differ"),
        ("salon_anna", YOOKASSA, remote(currency="USD"), "amount or currency differ"),
        ("salon_anna", YOOKASSA, remote(status="pending"), "payment is pending"),
        ("salon_anna", YOOKASSA, remote(metadata=metadata_of("salon_anna", 8)), "metadata"),
        ("salon_boris", YOOKASSA, remote(), "never created this payment here"),
        ("salon_anna", YOOKASSA, None, "does not know this payment"),
    ],
)
async def test_a_notification_that_does_not_hold_changes_nothing(
    tenant: str, peer: str, fetched: ShopPayment | None, why: str
) -> None:
    api, store = FakeApi(fetched), FakeStore()
    with pytest.raises(ForgedNotification, match=why):
        await record(api, store)(tenant_id=tenant, peer=peer, forwarded_for=(), body=note())
    assert (store.ledger, store.events) == (set(), [])
