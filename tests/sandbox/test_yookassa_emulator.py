"""The YooKassa emulator over real HTTP: the /v3 API, the checkout page, notifications."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from sandbox.yookassa import YooKassaSandboxClient
from sandbox.yookassa.testing import NotificationRecorder, running_recorder, running_sandbox

SHOP, SECRET = "123456", "test_secret"
RETURN_URL = "https://t.me/sales_bot"
CREATED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@dataclass
class Env:
    url: str
    api: httpx.AsyncClient
    control: YooKassaSandboxClient
    recorder: NotificationRecorder


@pytest_asyncio.fixture
async def env() -> AsyncIterator[Env]:
    async with (
        running_recorder() as recorder,
        running_sandbox({SHOP: SECRET}, recorder.webhook_url) as url,
        httpx.AsyncClient(base_url=url, auth=(SHOP, SECRET)) as api,
        YooKassaSandboxClient(url) as control,
    ):
        yield Env(url, api, control, recorder)


def payment_body(value: str = "299.00", **extra: Any) -> dict[str, Any]:
    return {
        "amount": {"value": value, "currency": "RUB"},
        "confirmation": {"type": "redirect", "return_url": RETURN_URL},
        "capture": True,
        "description": "Тариф «Старт», 1 месяц",
        "metadata": {"tenant": "salon_anna", "plan": "start"},
        **extra,
    }


async def create(env: Env, body: dict[str, Any], key: str = "key-1") -> httpx.Response:
    return await env.api.post("/v3/payments", json=body, headers={"Idempotence-Key": key})


@pytest.mark.asyncio
async def test_created_payment_looks_like_yookassas(env: Env) -> None:
    response = await create(env, payment_body())
    assert response.status_code == 200
    payment = response.json()
    assert len(payment["id"]) == 36
    assert payment["status"] == "pending"
    assert payment["paid"] is False
    assert payment["amount"] == {"value": "299.00", "currency": "RUB"}
    assert payment["recipient"]["account_id"] == SHOP
    assert CREATED_AT.match(payment["created_at"])
    assert payment["confirmation"]["type"] == "redirect"
    assert payment["confirmation"]["confirmation_url"] == f"{env.url}/checkout/{payment['id']}"
    assert payment["test"] is True
    assert payment["refundable"] is False
    assert payment["metadata"] == {"tenant": "salon_anna", "plan": "start"}
    fetched = await env.api.get(f"/v3/payments/{payment['id']}")
    assert fetched.json() == payment


@pytest.mark.asyncio
async def test_idempotence_key_returns_the_same_payment_and_refuses_another_body(env: Env) -> None:
    first = (await create(env, payment_body(), "same")).json()
    again = (await create(env, payment_body(), "same")).json()
    assert again["id"] == first["id"]
    assert len(await env.control.payments()) == 1

    other = await create(env, payment_body("399.00"), "same")
    assert other.status_code == 400
    error = other.json()
    assert error["type"] == "error"
    assert error["code"] == "invalid_request"
    assert error["parameter"] == "Idempotence-Key"
    assert error["id"]

    missing = await env.api.post("/v3/payments", json=payment_body())
    assert missing.status_code == 400
    assert missing.json()["parameter"] == "Idempotence-Key"
    assert len(await env.control.payments()) == 1


@pytest.mark.asyncio
async def test_wrong_secret_is_401_in_yookassas_shape(env: Env) -> None:
    async with httpx.AsyncClient(base_url=env.url, auth=(SHOP, "wrong")) as intruder:
        response = await intruder.get("/v3/payments/whatever")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert (await env.api.get("/v3/payments/unknown")).json()["code"] == "not_found"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"amount": {"value": "299", "currency": "RUB"}}, "amount.value"),
        ({"amount": {"value": "299.00", "currency": "USD"}}, "amount.currency"),
        ({"amount": {"value": 299, "currency": "RUB"}}, "amount.value"),
        ({"description": "x" * 129}, "description"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ({"metadata": {"n": 1}}, "metadata"),
        ({"confirmation": None}, "confirmation"),
    ],
)
async def test_invalid_requests_name_the_parameter(
    env: Env, change: dict[str, Any], parameter: str
) -> None:
    response = await create(env, {**payment_body(), **change})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert response.json()["parameter"] == parameter


def receipt(*prices: str) -> dict[str, Any]:
    return {
        "customer": {"email": "owner@example.ru"},
        "items": [
            {
                "description": f"Услуга {i}",
                "quantity": "1.00",
                "amount": {"value": price, "currency": "RUB"},
                "vat_code": 1,
                "payment_subject": "service",
                "payment_mode": "full_payment",
            }
            for i, price in enumerate(prices)
        ],
    }


@pytest.mark.asyncio
async def test_receipt_items_must_sum_to_the_amount(env: Env) -> None:
    wrong = await create(env, payment_body(receipt=receipt("200.00", "90.00")), "r1")
    assert wrong.status_code == 400
    assert wrong.json()["parameter"] == "receipt"
    right = await create(env, payment_body(receipt=receipt("200.00", "99.00")), "r2")
    assert right.status_code == 200
    assert right.json()["receipt_registration"] == "pending"


@pytest.mark.asyncio
async def test_paying_posts_payment_succeeded_before_answering(env: Env) -> None:
    payment = (await create(env, payment_body())).json()
    result = await env.control.pay(payment["id"])
    assert result.notification_status == 200
    assert result.payment.status == "succeeded"
    assert result.payment.paid is True
    assert result.payment.income_amount is not None
    assert result.payment.captured_at is not None

    (received,) = env.recorder.received  # the first attempt was made before pay answered
    assert received.event == "payment.succeeded"
    assert received.payment() == result.payment
    (attempt,) = await env.control.notifications()
    assert (attempt.event, attempt.payment_id, attempt.status_code) == (
        "payment.succeeded",
        payment["id"],
        200,
    )
    fetched = (await env.api.get(f"/v3/payments/{payment['id']}")).json()
    assert fetched["status"] == "succeeded"
    assert fetched["refundable"] is True


@pytest.mark.asyncio
async def test_a_failed_notification_is_retried(env: Env) -> None:
    env.recorder.statuses = [500]
    payment = (await create(env, payment_body())).json()
    result = await env.control.pay(payment["id"])
    assert result.notification_status == 500
    first, second = await env.recorder.wait_for(2)
    assert (first.answered, second.answered) == (500, 200)
    assert first.body == second.body
    assert second.payment().id == payment["id"]


@pytest.mark.asyncio
async def test_duplicates_can_be_delivered_on_demand(env: Env) -> None:
    payment = (await create(env, payment_body())).json()
    await env.control.pay(payment["id"])
    duplicate = await env.control.notify(payment["id"])
    assert duplicate.notification_status == 200
    first, second = env.recorder.received
    assert first.body == second.body


@pytest.mark.asyncio
async def test_buyer_cancels(env: Env) -> None:
    payment = (await create(env, payment_body())).json()
    result = await env.control.cancel(payment["id"])
    assert result.payment.status == "canceled"
    assert result.payment.paid is False
    assert result.payment.cancellation_details is not None
    (received,) = env.recorder.received
    assert received.event == "payment.canceled"
    assert received.payment().cancellation_details == result.payment.cancellation_details


@pytest.mark.asyncio
async def test_two_stage_payment_is_captured_by_the_shop(env: Env) -> None:
    payment = (await create(env, payment_body(capture=False))).json()
    result = await env.control.pay(payment["id"])
    assert result.payment.status == "waiting_for_capture"
    assert env.recorder.received[0].event == "payment.waiting_for_capture"
    captured = await env.api.post(
        f"/v3/payments/{payment['id']}/capture", json={}, headers={"Idempotence-Key": "c1"}
    )
    assert captured.json()["status"] == "succeeded"
    _, succeeded = await env.recorder.wait_for(2)
    assert succeeded.event == "payment.succeeded"


@pytest.mark.asyncio
async def test_checkout_page_pays_and_redirects_back(env: Env) -> None:
    payment = (await create(env, payment_body())).json()
    url = payment["confirmation"]["confirmation_url"]
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
        assert "Оплатить" in page.text
        assert "Отменить" in page.text
        assert "299,00" in page.text
        paid = await browser.post(f"{url}/pay")
    assert paid.status_code == 303
    assert paid.headers["location"] == RETURN_URL
    assert env.recorder.received[0].event == "payment.succeeded"


@pytest.mark.asyncio
async def test_refund_up_to_the_paid_amount(env: Env) -> None:
    payment = (await create(env, payment_body())).json()
    await env.control.pay(payment["id"])
    body = {"payment_id": payment["id"], "amount": {"value": "100.00", "currency": "RUB"}}
    refund = await env.api.post("/v3/refunds", json=body, headers={"Idempotence-Key": "f1"})
    assert refund.status_code == 200
    assert refund.json()["status"] == "succeeded"
    fetched = await env.api.get(f"/v3/refunds/{refund.json()['id']}")
    assert fetched.json() == refund.json()
    too_much = {**body, "amount": {"value": "199.01", "currency": "RUB"}}
    refused = await env.api.post("/v3/refunds", json=too_much, headers={"Idempotence-Key": "f2"})
    assert refused.status_code == 400
    _, refunded = await env.recorder.wait_for(2)
    assert refunded.event == "refund.succeeded"
    assert refunded.refund().payment_id == payment["id"]
