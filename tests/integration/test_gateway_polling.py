"""Long polling: bots without a public URL have their updates fetched and published, and
nothing is lost when the gateway polls again after a restart."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import nats
import pytest
import pytest_asyncio
from nats.js.api import DeliverPolicy

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.testing import running_sandbox, serve_asgi
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app
from shared.bus import ensure_streams, tenants_bucket
from shared.crypto import Sealer
from shared.messages import TenantConfig, encode
from shared.settings import Env, Secret
from shared.subjects import TG_SALES_UPDATE, tg_update
from tests.conftest import unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_SECRET = secrets.token_urlsafe(48)  # a fresh random key per run


@pytest_asyncio.fixture(loop_scope="session")
async def emulator() -> AsyncIterator[str]:
    async with running_sandbox(flood_limits=False) as url:
        yield url


class Watch:
    """Updates published on a subject from now on (the shared test NATS has older ones)."""

    def __init__(self, nats_url: str, subject: str) -> None:
        self._url = nats_url
        self._subject = subject

    async def __aenter__(self) -> Watch:
        self._connection = await nats.connect(self._url)
        self._sub = await self._connection.jetstream().subscribe(
            self._subject, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._connection.close()

    async def update_from(self, chat_id: int, timeout: float = 15.0) -> dict[str, Any]:
        while True:
            msg = await self._sub.next_msg(timeout=timeout)
            update: dict[str, Any] = msgspec.json.decode(msg.data)
            if update.get("message", {}).get("chat", {}).get("id") == chat_id:
                return update


async def test_platform_and_tenant_bots_are_long_polled(infra: LocalInfra, emulator: str) -> None:
    sealer = Sealer(Secret(PLATFORM_SECRET))
    async with TelegramSandboxClient(emulator) as telegram:
        sales = await telegram.create_bot(f"sales_{uuid.uuid4().hex[:6]}_bot")
        tenant_bot = await telegram.create_bot(f"polled_{uuid.uuid4().hex[:6]}_bot")
        tenant = unique_tenant_id()
        connection = await nats.connect(infra.nats_url)
        js = connection.jetstream()
        await ensure_streams(js)
        await (await tenants_bucket(js)).put(
            tenant,
            encode(
                TenantConfig(
                    tenant_id=tenant,
                    status="active",
                    business_name="Салон",
                    bot_id=tenant_bot.id,
                    bot_username=tenant_bot.username,
                    bot_token_sealed=sealer.seal(tenant_bot.token),
                    delivery="polling",
                    timezone="Europe/Moscow",
                    owner_chat_id=1,
                    paid_until=datetime(2030, 1, 1, tzinfo=UTC),
                )
            ),
        )
        await connection.close()
        settings = GatewaySettings.load(
            Env(
                {
                    "NATS_URL": infra.nats_url,
                    "PLATFORM_SECRET": PLATFORM_SECRET,
                    "TELEGRAM_API_BASE": emulator,
                    "SALES_BOT_TOKEN": sales.token,
                    "GATEWAY_POLL_TIMEOUT": "1",
                }
            )
        )
        async with serve_asgi(lambda _url: create_app(settings)):
            async with Watch(infra.nats_url, TG_SALES_UPDATE) as watch:
                sent = await telegram.send_text(sales, 31337, "/start")
                assert sent.delivery == "queued"
                update = await watch.update_from(31337)
                assert update["update_id"] == sent.update_id

            async with Watch(infra.nats_url, tg_update(tenant)) as watch:
                sent = await telegram.send_text(tenant_bot, 31337, "привет")
                update = await watch.update_from(31337)
                assert update["update_id"] == sent.update_id
                assert update["message"]["text"] == "привет"
