"""A YooKassa that accepts the connection and never answers: every call of billing's adapter
gives up within its timeouts with an error that says so, and the worker thread is free again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sandbox.yookassa.testing import bind_free_port, url_of
from services.billing.adapters.yookassa_api import YooKassaApi, YooKassaUnavailable
from services.billing.adapters.yookassa_sdk import Timeouts

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SHOP, SECRET = "123456", "test_secret"
READ_TIMEOUT = 0.5


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A listening socket that accepts connections (the kernel completes the handshake) and
    never reads or writes a byte: a hung YooKassa."""
    sock = bind_free_port()
    yield url_of(sock)
    sock.close()


@pytest.fixture
def api(silent_server: str) -> YooKassaApi:
    return YooKassaApi(
        account_id=SHOP,
        secret_key=SECRET,
        api_url=f"{silent_server}/v3",
        timeouts=Timeouts(connect=1.0, read=READ_TIMEOUT),
    )


async def test_fetching_a_payment_times_out_with_a_clear_error(api: YooKassaApi) -> None:
    started = asyncio.get_running_loop().time()
    async with asyncio.timeout(5):
        with pytest.raises(YooKassaUnavailable, match=r"did not answer within 0.5 s"):
            await api.get_payment("2f3b588d-000f-5000-8000-1d6e87c7fbde")
    assert asyncio.get_running_loop().time() - started < 3


async def test_creating_a_payment_and_fetching_a_refund_time_out_too(api: YooKassaApi) -> None:
    async with asyncio.timeout(5):
        with pytest.raises(YooKassaUnavailable, match="read timeout"):
            await api.create_payment(
                amount_kopecks=29900,
                description="m1",
                return_url="https://t.me",
                metadata={"plan": "m1"},
                idempotence_key="hung-1",
            )
        with pytest.raises(YooKassaUnavailable, match="read timeout"):
            await api.get_refund("2f3b588d-0015-5000-8000-1d6e87c7fbde")


async def test_the_event_loop_keeps_running_while_yookassa_hangs(api: YooKassaApi) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        async with asyncio.timeout(5):
            with pytest.raises(YooKassaUnavailable):
                await api.get_payment("2f3b588d-000f-5000-8000-1d6e87c7fbde")
    finally:
        ticker.cancel()
    assert ticks > 10  # the SDK ran in a worker thread, not on the loop
