"""Billing believes a refund only once it has fetched it back from YooKassa and it agrees:
the YooKassa emulator, real Postgres (billing's schema) and real NATS JetStream. A forged or
inconsistent refund notification is refused (the webhook answers 403) and changes nothing."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import msgspec
import pytest
import pytest_asyncio
from nats.js import JetStreamContext

from devstack.infra import LocalInfra
from sandbox.yookassa import YooKassaSandboxClient
from sandbox.yookassa.testing import running_sandbox
from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.config import Plan
from services.billing.use_cases import (
    Checkout,
    ForgedNotification,
    NotificationSource,
    PaymentRecorder,
    RecordNotification,
    RecordRefund,
)
from shared.bus import Publisher, ensure_streams, make_broker
from shared.clock import SystemClock
from shared.messages import RefundSucceeded, decode
from shared.migrate import load_migrations, migrate_schema
from shared.subjects import REFUND_SUCCEEDED, STREAM_BILLING
from tests.conftest import RUN_ID

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SHOP, SECRET = "100600", "refund-verification-secret"
PLAN = Plan(code="m1", period_days=30, price_kopecks=29900, title="1 месяц")
YOOKASSA_PEER = "185.71.76.1"


@dataclass
class World:
    api: YooKassaApi
    control: YooKassaSandboxClient
    ledger: PgLedger
    checkout: Checkout
    recorder: PaymentRecorder
    webhook: RecordNotification
    pool: asyncpg.Pool
    js: JetStreamContext

    async def paid_payment(self) -> str:
        """A renewal payment billing created, the buyer paid and billing recorded."""
        view = await self.checkout.start(
            plan=PLAN,
            purpose="renewal",
            buyer_chat_id=100,
            tenant_id=f"t_{RUN_ID}_{uuid.uuid4().hex[:6]}",
        )
        await self.control.pay(view.payment_id)
        assert await self.recorder.payment(view.payment_id, "succeeded") == "recorded"
        return view.payment_id

    async def refund(self, payment_id: str, kopecks: int) -> str:
        return await self.api.create_refund(
            payment_id=payment_id, amount_kopecks=kopecks, idempotence_key=uuid.uuid4().hex
        )

    async def notify(self, refund_id: str, payment_id: str | None) -> str:
        body = msgspec.json.encode(
            {
                "type": "notification",
                "event": "refund.succeeded",
                "object": {"id": refund_id, "payment_id": payment_id, "status": "succeeded"},
            }
        )
        return await self.webhook(peer=YOOKASSA_PEER, forwarded_for=(), body=body)

    async def refunded(self, payment_id: str) -> tuple[int, str, int]:
        """(refunded total, status, ledger rows of refunds) of a payment."""
        row = await self.pool.fetchrow(
            "SELECT refunded_kopecks, status, (SELECT count(*) FROM billing.ledger l"
            "  WHERE l.payment_id = p.payment_id AND l.event = 'refund.succeeded') AS rows"
            " FROM billing.payments p WHERE payment_id = $1",
            payment_id,
        )
        assert row is not None
        return row["refunded_kopecks"], row["status"], row["rows"]

    async def published(self) -> int:
        info = await self.js.stream_info(STREAM_BILLING.name, subjects_filter=REFUND_SUCCEEDED)
        return (info.state.subjects or {}).get(REFUND_SUCCEEDED, 0)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(infra: LocalInfra, login_urls: dict[str, str]) -> AsyncIterator[World]:
    pool = await asyncpg.create_pool(login_urls["billing"], min_size=1, max_size=4)
    assert pool is not None
    broker = make_broker(infra.nats_url, f"refund-verification-{RUN_ID}")
    await broker.connect()
    try:
        js = broker.connection.jetstream()
        await ensure_streams(js)
        await migrate_schema(pool, "billing", load_migrations(Path("services/billing/migrations")))
        async with (
            running_sandbox({SHOP: SECRET}) as url,
            YooKassaSandboxClient(url) as control,
        ):
            api = YooKassaApi(account_id=SHOP, secret_key=SECRET, api_url=f"{url}/v3")
            ledger = PgLedger(pool)
            clock = SystemClock()
            events = Publisher(broker)
            recorder = PaymentRecorder(api=api, ledger=ledger, events=events, clock=clock)
            yield World(
                api=api,
                control=control,
                ledger=ledger,
                checkout=Checkout(
                    api=api,
                    ledger=ledger,
                    clock=clock,
                    return_url="https://t.me",
                    receipts=False,
                    vat_code=1,
                ),
                recorder=recorder,
                webhook=RecordNotification(
                    source=NotificationSource(
                        allowed=(ipaddress.ip_network("185.71.76.0/27"),), trusted_proxies=()
                    ),
                    recorder=recorder,
                    refunds=RecordRefund(api=api, ledger=ledger, events=events, clock=clock),
                ),
                pool=pool,
                js=js,
            )
    finally:
        await broker.stop()
        await pool.close()


async def test_a_real_refund_is_recorded_once_and_published(world: World) -> None:
    payment_id = await world.paid_payment()
    events_before = await world.published()
    refund_id = await world.refund(payment_id, 14950)

    assert await world.notify(refund_id, payment_id) == "recorded"
    assert await world.refunded(payment_id) == (14950, "succeeded", 1)
    message = await world.js.get_last_msg(STREAM_BILLING.name, REFUND_SUCCEEDED)
    event = decode(RefundSucceeded, bytes(message.data or b""))
    assert (event.refund_id, event.payment_id) == (refund_id, payment_id)
    assert (event.amount_kopecks, event.refunded_kopecks, event.paid_kopecks) == (
        14950,
        14950,
        29900,
    )
    assert event.period_days == 30
    assert event.tenant_id is not None

    # YooKassa repeats the notification: answered, nothing recorded twice.
    assert await world.notify(refund_id, payment_id) == "duplicate"
    assert await world.refunded(payment_id) == (14950, "succeeded", 1)

    rest = await world.refund(payment_id, 14950)
    assert await world.notify(rest, None) == "recorded"  # the payment id comes from YooKassa
    assert await world.refunded(payment_id) == (29900, "refunded", 2)
    # One event per refund; the repeat was published again under the same message id, which
    # the stream deduplicated.
    assert await world.published() == events_before + 2


async def test_forged_and_inconsistent_refunds_change_nothing(world: World) -> None:
    payment_id = await world.paid_payment()
    events_before = await world.published()
    real = await world.refund(payment_id, 10000)

    def refused(why: str) -> pytest.RaisesExc[ForgedNotification]:
        return pytest.raises(ForgedNotification, match=why)

    with refused("does not know this refund"):
        await world.notify(str(uuid.uuid4()), payment_id)
    other_payment = await world.paid_payment()
    with refused("belongs to another payment"):
        await world.notify(real, other_payment)

    # A payment billing never created, paid and refunded at YooKassa.
    stranger = await world.api.create_payment(
        amount_kopecks=29900,
        description="not ours",
        return_url="https://t.me",
        metadata={"plan": "m1"},
        idempotence_key=uuid.uuid4().hex,
    )
    await world.control.pay(stranger.id)
    with refused("never created this payment"):
        await world.notify(await world.refund(stranger.id, 100), stranger.id)

    # A payment billing created but never saw succeed (its notification was never believed).
    unseen = await world.checkout.start(
        plan=PLAN, purpose="renewal", buyer_chat_id=100, tenant_id=f"t_{RUN_ID}_unseen"
    )
    await world.control.pay(unseen.payment_id)
    with refused("not succeeded"):
        await world.notify(await world.refund(unseen.payment_id, 100), unseen.payment_id)

    # The ledger and YooKassa disagree on what was paid: refunds may never exceed it.
    await world.pool.execute(
        "UPDATE billing.payments SET amount_kopecks = 5000 WHERE payment_id = $1", payment_id
    )
    with refused("exceed what was paid"):
        await world.notify(real, payment_id)

    assert await world.refunded(payment_id) == (0, "succeeded", 0)
    assert await world.refunded(unseen.payment_id) == (0, "pending", 0)
    assert await world.published() == events_before
