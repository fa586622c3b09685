"""Billing's YooKassa adapter through the official SDK against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from sandbox.yookassa import YooKassaSandboxClient
from sandbox.yookassa.testing import (
    NotificationRecorder,
    bind_free_port,
    running_recorder,
    running_sandbox,
)
from services.billing.adapters.yookassa_api import (
    YooKassaApi,
    YooKassaRejected,
    YooKassaUnavailable,
    YooPayment,
    YooRefund,
)

SHOP, SECRET = "123456", "test_secret"
RETURN_URL = "https://t.me/sales_bot"
METADATA = {"tenant": "salon_anna", "plan": "start", "order": "o-1"}


@dataclass
class Env:
    url: str
    api: YooKassaApi
    control: YooKassaSandboxClient
    recorder: NotificationRecorder


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    async with (
        running_recorder() as recorder,
        running_sandbox({SHOP: SECRET}, recorder.webhook_url) as url,
        YooKassaSandboxClient(url) as control,
    ):
        api = YooKassaApi(account_id=SHOP, secret_key=SECRET, api_url=f"{url}/v3")
        yield Env(url, api, control, recorder)


async def create(
    env: Env, key: str = "order-1", kopecks: int = 29900, **extra: object
) -> YooPayment:
    return await env.api.create_payment(
        amount_kopecks=kopecks,
        description="Тариф «Старт», 1 месяц",
        return_url=RETURN_URL,
        metadata=METADATA,
        idempotence_key=key,
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.asyncio
async def test_create_pay_and_fetch_back(env: Env) -> None:
    created = await create(env)
    assert created.status == "pending"
    assert created.paid is False
    assert created.amount_kopecks == 29900
    assert created.currency == "RUB"
    assert created.metadata == METADATA  # the SDK's cms_name is not billing's
    assert created.confirmation_url == f"{env.url}/checkout/{created.id}"
    assert abs(created.created_at - datetime.now(UTC)) < timedelta(minutes=1)

    await env.control.pay(created.id)
    fetched = await env.api.get_payment(created.id)
    assert fetched is not None
    assert (fetched.id, fetched.status, fetched.paid) == (created.id, "succeeded", True)
    assert fetched.amount_kopecks == 29900
    assert fetched.metadata == METADATA
    assert fetched.payment_method_id is not None
    assert fetched.payment_method_saved is False


@pytest.mark.asyncio
async def test_the_same_idempotence_key_makes_one_payment(env: Env) -> None:
    first = await create(env, "order-7")
    again = await create(env, "order-7")
    assert again.id == first.id
    assert len(await env.control.payments()) == 1
    with pytest.raises(YooKassaRejected) as rejected:
        await create(env, "order-7", kopecks=39900)
    assert (rejected.value.status, rejected.value.code) == (400, "invalid_request")
    assert rejected.value.parameter == "Idempotence-Key"


@pytest.mark.asyncio
async def test_unknown_payment_is_none(env: Env) -> None:
    assert await env.api.get_payment("2f3b588d-000f-5000-8000-1d6e87c7fbde") is None


@pytest.mark.asyncio
async def test_wrong_secret_is_rejected_with_401(env: Env) -> None:
    intruder = YooKassaApi(account_id=SHOP, secret_key="wrong", api_url=f"{env.url}/v3")
    with pytest.raises(YooKassaRejected) as rejected:
        await intruder.get_payment("anything")
    assert rejected.value.status == 401
    assert rejected.value.code == "invalid_credentials"
    assert "wrong" not in str(rejected.value)


@pytest.mark.asyncio
async def test_unreachable_api_is_unavailable() -> None:
    sock = bind_free_port()
    host, port = sock.getsockname()[:2]
    sock.close()  # nothing listens there any more
    api = YooKassaApi(account_id=SHOP, secret_key=SECRET, api_url=f"http://{host}:{port}/v3")
    with pytest.raises(YooKassaUnavailable):
        await api.get_payment("anything")


@pytest.mark.asyncio
async def test_canceled_by_the_buyer(env: Env) -> None:
    created = await create(env)
    result = await env.control.cancel(created.id)
    assert result.notification_status == 200
    fetched = await env.api.get_payment(created.id)
    assert fetched is not None
    assert (fetched.status, fetched.paid) == ("canceled", False)
    (received,) = env.recorder.received
    assert received.event == "payment.canceled"


@pytest.mark.asyncio
async def test_refund(env: Env) -> None:
    created = await create(env)
    await env.control.pay(created.id)
    refund_id = await env.api.create_refund(
        payment_id=created.id, amount_kopecks=10000, idempotence_key="refund-1"
    )
    assert len(refund_id) == 36
    again = await env.api.create_refund(
        payment_id=created.id, amount_kopecks=10000, idempotence_key="refund-1"
    )
    assert again == refund_id
    async with httpx.AsyncClient(base_url=env.url, auth=(SHOP, SECRET)) as http:
        refund = (await http.get(f"/v3/refunds/{refund_id}")).json()
    assert refund["amount"] == {"value": "100.00", "currency": "RUB"}
    assert refund["payment_id"] == created.id
    _, refunded = await env.recorder.wait_for(2)
    assert refunded.event == "refund.succeeded"
    assert refunded.refund().id == refund_id
    with pytest.raises(YooKassaRejected) as too_much:
        await env.api.create_refund(
            payment_id=created.id, amount_kopecks=20000, idempotence_key="refund-2"
        )
    assert too_much.value.parameter == "amount.value"


@pytest.mark.asyncio
async def test_a_refund_fetched_back_by_id(env: Env) -> None:
    created = await create(env)
    await env.control.pay(created.id)
    refund_id = await env.api.create_refund(
        payment_id=created.id, amount_kopecks=14950, idempotence_key="refund-half"
    )
    fetched = await env.api.get_refund(refund_id)
    assert fetched == YooRefund(
        id=refund_id,
        payment_id=created.id,
        status="succeeded",
        amount_kopecks=14950,
        currency="RUB",
    )
    assert await env.api.get_refund("2f3b588d-0015-5000-8000-1d6e87c7fbde") is None


@pytest.mark.asyncio
async def test_autopayment_with_a_saved_method(env: Env) -> None:
    first = await create(env, "sub-1", save_payment_method=True)
    await env.control.pay(first.id)
    paid = await env.api.get_payment(first.id)
    assert paid is not None
    assert paid.payment_method_saved is True
    assert paid.payment_method_id is not None

    renewal = await create(env, "sub-2", payment_method_id=paid.payment_method_id)
    assert (renewal.status, renewal.paid) == ("succeeded", True)
    assert renewal.confirmation_url is None
    assert renewal.payment_method_id == paid.payment_method_id
    _, notified = await env.recorder.wait_for(2)
    assert notified.event == "payment.succeeded"
    assert notified.payment().id == renewal.id

    with pytest.raises(YooKassaRejected) as unknown:
        await create(env, "sub-3", payment_method_id="not-a-saved-method")
    assert unknown.value.parameter == "payment_method_id"


def receipt(*kopecks: int) -> dict[str, object]:
    return {
        "customer": {"email": "owner@example.ru"},
        "items": [
            {
                "description": "Подписка на бота записи",
                "quantity": 1,
                "amount": {"value": f"{k / 100:.2f}", "currency": "RUB"},
                "vat_code": 1,
                "payment_subject": "service",
                "payment_mode": "full_payment",
            }
            for k in kopecks
        ],
    }


@pytest.mark.asyncio
async def test_receipt_must_add_up(env: Env) -> None:
    with pytest.raises(YooKassaRejected) as rejected:
        await create(env, "with-receipt-1", receipt=receipt(19900, 9000))
    assert rejected.value.parameter == "receipt"
    accepted = await create(env, "with-receipt-2", receipt=receipt(19900, 10000))
    assert accepted.status == "pending"
