"""A payment whose notification never came: billing asks YooKassa (the sandbox emulator) and
records it through the same verified path as the webhook, ledger row and event together."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import msgspec
import pytest
import pytest_asyncio

from sandbox.yookassa.client import YooKassaSandboxClient
from sandbox.yookassa.testing import running_sandbox
from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.ports import PaymentRecord
from services.billing.use_cases import PaymentRecorder, ReconcilePending
from shared.messages import PaymentCanceled, PaymentSucceeded
from shared.migrate import load_migrations, migrate_schema
from shared.subjects import PAYMENT_CANCELED, PAYMENT_SUCCEEDED

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SHOP_ID, SHOP_SECRET = "510077", "test_pending_secret_key_1234567"


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class NoDirectPublish:
    """Recording must not publish itself: its events go through the outbox."""

    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        raise AssertionError(f"published {subject} ({type(event).__name__}, {msg_id}) directly")


@dataclass
class Billing:
    pool: asyncpg.Pool
    yk: YooKassaSandboxClient
    api: YooKassaApi
    ledger: PgLedger
    reconcile: ReconcilePending

    async def pending_payment(self) -> str:
        """A renewal payment billing created and YooKassa holds, still `pending` in both."""
        tenant_id = f"pend_{uuid.uuid4().hex[:8]}"
        key = f"tenant:{tenant_id}:m1:0"
        remote = await self.api.create_payment(
            amount_kopecks=29900,
            description="1 месяц",
            return_url="https://t.me",
            metadata={"purpose": "renewal", "plan": "m1", "tenant_id": tenant_id},
            idempotence_key=key,
        )
        await self.ledger.insert_payment(
            PaymentRecord(
                payment_id=remote.id,
                idempotence_key=key,
                signup_id=None,
                tenant_id=tenant_id,
                purpose="renewal",
                plan_code="m1",
                period_days=30,
                amount_kopecks=29900,
                currency="RUB",
                buyer_chat_id=4242,
                status="pending",
                confirmation_url=remote.confirmation_url,
                created_at=datetime.now(UTC),
            )
        )
        return remote.id

    async def status(self, payment_id: str) -> str:
        return str(
            await self.pool.fetchval(
                "SELECT status FROM billing.payments WHERE payment_id = $1", payment_id
            )
        )

    async def outbox(self, subject: str, payment_id: str) -> list[bytes]:
        rows = await self.pool.fetch(
            "SELECT payload FROM outbox.events WHERE subject = $1 AND msg_id LIKE $2",
            subject,
            f"yookassa:{payment_id}:%",
        )
        return [bytes(r["payload"]) for r in rows]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def billing(login_urls: dict[str, str]) -> AsyncIterator[Billing]:
    # billing's own login, as in production: it owns its schema and migrates it
    pg_pool = await asyncpg.create_pool(login_urls["billing"], min_size=1, max_size=4)
    assert pg_pool is not None
    await migrate_schema(pg_pool, "billing", load_migrations(Path("services/billing/migrations")))
    async with (
        running_sandbox({SHOP_ID: SHOP_SECRET}) as url,  # no notification URL: none arrives
        YooKassaSandboxClient(url) as yk,
    ):
        api = YooKassaApi(account_id=SHOP_ID, secret_key=SHOP_SECRET, api_url=f"{url}/v3")
        ledger = PgLedger(pg_pool)
        recorder = PaymentRecorder(api=api, ledger=ledger, events=NoDirectPublish(), clock=Clock())
        reconcile = ReconcilePending(
            api=api, ledger=ledger, recorder=recorder, older_than=timedelta(0)
        )
        yield Billing(pool=pg_pool, yk=yk, api=api, ledger=ledger, reconcile=reconcile)
    await pg_pool.close()


async def test_a_paid_payment_whose_notification_was_lost_is_recorded(billing: Billing) -> None:
    paid = await billing.pending_payment()
    waiting = await billing.pending_payment()
    cancelled = await billing.pending_payment()
    await billing.yk.pay(paid)
    await billing.yk.cancel(cancelled)

    report = await billing.reconcile()

    assert {paid, cancelled} <= set(report.recorded)
    assert waiting in report.still_pending
    assert await billing.status(paid) == "succeeded"
    assert await billing.status(cancelled) == "canceled"
    assert await billing.status(waiting) == "pending"
    (data,) = await billing.outbox(PAYMENT_SUCCEEDED, paid)
    event = msgspec.json.decode(data, type=PaymentSucceeded)
    assert (event.payment_id, event.purpose, event.amount_kopecks) == (paid, "renewal", 29900)
    (data,) = await billing.outbox(PAYMENT_CANCELED, cancelled)
    assert msgspec.json.decode(data, type=PaymentCanceled).payment_id == cancelled

    again = await billing.reconcile()  # recorded once: nothing more to do for them
    assert paid not in again.recorded
    assert len(await billing.outbox(PAYMENT_SUCCEEDED, paid)) == 1
