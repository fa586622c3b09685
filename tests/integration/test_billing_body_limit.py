"""Billing's YooKassa webhook refuses an oversized body with 413 before reading it (Litestar
2.13+ enforces `request_max_body_size` on the announced length and while streaming)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from test_gateway import raw_exchange  # the hand-made HTTP exchange (pytest's rootdir import)

from devstack.infra import LocalInfra
from sandbox.telegram.testing import serve_asgi
from services.billing.config import BillingSettings
from services.billing.main import create_app
from services.billing.routes import MAX_NOTIFICATION_BYTES
from shared.settings import Env

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def billing_url(infra: LocalInfra, login_urls: dict[str, str]) -> AsyncIterator[str]:
    settings = BillingSettings.load(
        Env(
            {
                "NATS_URL": infra.nats_url,
                "DATABASE_URL": login_urls["billing"],
                "REDIS_URL": infra.redis_url,
                "TELEGRAM_API_BASE": "http://127.0.0.1:9",
                "PLATFORM_SECRET": secrets.token_urlsafe(48),
                "YOOKASSA_SHOP_ID": "1",
                "YOOKASSA_SECRET_KEY": secrets.token_urlsafe(16),
                "YOOKASSA_API_URL": "http://127.0.0.1:9/v3",  # never reached: refused first
                "LOG_FORMAT": "text",
            }
        )
    )
    async with serve_asgi(lambda _: create_app(settings)) as url:
        yield url


def head(extra: bytes) -> bytes:
    return (
        b"POST /webhooks/yookassa HTTP/1.1\r\nHost: billing\r\n"
        b"Content-Type: application/json\r\n" + extra + b"\r\n"
    )


async def test_a_huge_announced_notification_is_413_before_it_is_read(billing_url: str) -> None:
    status = await raw_exchange(
        billing_url, head(b"Content-Length: 10000000000\r\n"), [b'{"type": "notification"']
    )
    assert status == 413


async def test_a_chunked_notification_past_the_limit_is_413_before_it_ends(
    billing_url: str,
) -> None:
    chunk = b"x" * 64 * 1024
    count = MAX_NOTIFICATION_BYTES // len(chunk) + 2
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(count)]
    status = await raw_exchange(billing_url, head(b"Transfer-Encoding: chunked\r\n"), chunks)
    assert status == 413
