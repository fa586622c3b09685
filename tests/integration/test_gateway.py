"""The gateway's webhook door against a real NATS: who may post, what is an update, and that a
200 means the stream stored it (so Telegram retries whenever it did not)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import nats
import pytest
import pytest_asyncio

from devstack.infra import LocalInfra
from sandbox.telegram.testing import serve_asgi
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app
from shared.bus import ensure_streams, tenants_bucket
from shared.crypto import Sealer
from shared.messages import TenantConfig, encode
from shared.settings import Env, Secret
from shared.subjects import tg_update
from tests.conftest import unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PLATFORM_SECRET = secrets.token_urlsafe(48)  # a fresh random key per run
PREVIOUS_SECRET = secrets.token_hex(32)  # the key before the last rotation
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Gateway:
    def __init__(self, url: str, nats_url: str, local: LocalInfra) -> None:
        self.url = url
        self.nats_url = nats_url
        self.local = local
        self.sealer = Sealer(Secret(PLATFORM_SECRET))

    async def post(self, bot_key: str, body: bytes, secret: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(f"{self.url}/tg/{bot_key}", content=body, headers=headers)
        return response.status_code


@pytest_asyncio.fixture(loop_scope="session")
async def gateway() -> AsyncIterator[Gateway]:
    local = LocalInfra()  # a NATS of its own: one test stops it
    nats_url = local.start_nats()
    settings = GatewaySettings.load(
        Env(
            {
                **local.nats_env("gateway"),  # the gateway's own NATS user
                "NATS_PUBLISH_TIMEOUT": "1",
                "PLATFORM_SECRET": PLATFORM_SECRET,
                "PLATFORM_SECRET_PREVIOUS": PREVIOUS_SECRET,
                "TELEGRAM_API_BASE": "http://127.0.0.1:9",
                "GATEWAY_PUBLIC_URL": "http://127.0.0.1:9",
                "GATEWAY_MAX_BODY_BYTES": "4096",
            }
        )
    )
    try:
        async with serve_asgi(lambda _url: create_app(settings)) as url:
            yield Gateway(url, nats_url, local)
    finally:
        local.close()


async def add_tenant(nats_url: str, tenant_id: str, sealer: Sealer) -> None:
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        await ensure_streams(js)
        bucket = await tenants_bucket(js)
        config = TenantConfig(
            tenant_id=tenant_id,
            status="active",
            business_name="Салон",
            bot_id=1,
            bot_username=f"{tenant_id}_bot",
            bot_token_sealed=sealer.seal("1:fake"),
            delivery="webhook",
            timezone="Europe/Moscow",
            owner_chat_id=1,
            paid_until=datetime(2030, 1, 1, tzinfo=UTC),
        )
        await bucket.put(tenant_id, encode(config))
    finally:
        await connection.close()


async def stored_updates(nats_url: str, tenant_id: str) -> list[bytes]:
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        sub = await js.subscribe(tg_update(tenant_id), ordered_consumer=True)
        found = []
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except nats.errors.TimeoutError:
                return found
            found.append(msg.data)
    finally:
        await connection.close()


UPDATE = (
    b'{"update_id": 7001, "message": {"message_id": 1, "date": 0,'
    b' "chat": {"id": 5, "type": "private"}, "text": "/start"}}'
)


async def test_an_update_is_stored_once_and_answered_200(gateway: Gateway) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    secret = gateway.sealer.webhook_secret(tenant)
    assert await gateway.post(tenant, UPDATE, secret) == 200
    assert await gateway.post(tenant, UPDATE, secret) == 200  # Telegram retried: deduplicated
    assert await stored_updates(gateway.nats_url, tenant) == [UPDATE]


async def test_a_wrong_or_missing_secret_is_401(gateway: Gateway) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    other = gateway.sealer.webhook_secret(unique_tenant_id())
    assert await gateway.post(tenant, UPDATE, other) == 401
    assert await gateway.post(tenant, UPDATE, None) == 401
    assert await stored_updates(gateway.nats_url, tenant) == []


async def test_an_unknown_tenant_is_404(gateway: Gateway) -> None:
    tenant = unique_tenant_id()
    assert await gateway.post(tenant, UPDATE, gateway.sealer.webhook_secret(tenant)) == 404
    weird = "../../etc"
    assert await gateway.post(weird, UPDATE, gateway.sealer.webhook_secret(weird)) in {401, 404}


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"message": {}}', b'{"update_id": "7"}', b'{"update_id": -1}'],
)
async def test_a_body_that_is_not_an_update_is_400(gateway: Gateway, body: bytes) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    assert await gateway.post(tenant, body, gateway.sealer.webhook_secret(tenant)) == 400


async def test_a_body_over_the_limit_is_413(gateway: Gateway) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    huge = b'{"update_id": 1, "message": {"text": "' + b"x" * 8000 + b'"}}'
    assert await gateway.post(tenant, huge, gateway.sealer.webhook_secret(tenant)) == 413


async def test_without_nats_the_update_is_refused_so_telegram_retries(gateway: Gateway) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    secret = gateway.sealer.webhook_secret(tenant)
    assert await gateway.post(tenant, UPDATE, secret) == 200  # warms the directory cache
    for process in gateway.local.processes:
        process.terminate()
    await asyncio.to_thread(gateway.local.processes[0].wait)
    update = UPDATE.replace(b"7001", b"7002")
    assert await gateway.post(tenant, update, secret) != 200


async def raw_exchange(url: str, head: bytes, body_chunks: list[bytes]) -> int:
    """Send a request by hand (headers, then some body, never its end) and return the status:
    a server that waited for the whole body would never answer, and the wait times out."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head)
        for chunk in body_chunks:
            writer.write(chunk)
            await writer.drain()
        async with asyncio.timeout(10):
            status_line = await reader.readline()
        return int(status_line.split()[1])
    finally:
        writer.close()


def request_head(bot_key: str, secret: bytes, extra: bytes) -> bytes:
    return (
        f"POST /tg/{bot_key} HTTP/1.1\r\nHost: gateway\r\n".encode()
        + b"Content-Type: application/json\r\n"
        + b"X-Telegram-Bot-Api-Secret-Token: "
        + secret
        + b"\r\n"
        + extra
        + b"\r\n"
    )


@pytest.mark.parametrize(
    "secret", ["секрет".encode(), "ключ".encode("cp1251"), b"\xff\xfe", b"x" * 300]
)
async def test_a_non_ascii_or_garbled_secret_header_is_401(gateway: Gateway, secret: bytes) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{gateway.url}/tg/{tenant}",
            content=UPDATE,
            headers={"Content-Type": "application/json", SECRET_HEADER: secret},
        )
    assert response.status_code == 401
    assert await stored_updates(gateway.nats_url, tenant) == []


async def test_a_huge_announced_body_is_413_before_it_is_read(gateway: Gateway) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    secret = gateway.sealer.webhook_secret(tenant).encode()
    head = request_head(tenant, secret, b"Content-Length: 10000000000\r\n")
    assert await raw_exchange(gateway.url, head, [b'{"update_id": 1, "message": ']) == 413


async def test_a_chunked_body_past_the_limit_is_413_before_it_ends(gateway: Gateway) -> None:
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    secret = gateway.sealer.webhook_secret(tenant).encode()
    head = request_head(tenant, secret, b"Transfer-Encoding: chunked\r\n")
    chunk = b"x" * 1024
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)]  # 8 KiB > 4 KiB limit
    assert await raw_exchange(gateway.url, head, chunks) == 413


async def test_a_webhook_secret_of_the_previous_platform_key_is_accepted(
    gateway: Gateway,
) -> None:
    """While `rotate-secrets` re-registers webhooks, Telegram still sends the old secret."""
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    old = Sealer(Secret(PREVIOUS_SECRET)).webhook_secret(tenant)
    stranger = Sealer(Secret(secrets.token_urlsafe(48))).webhook_secret(tenant)
    assert await gateway.post(tenant, UPDATE.replace(b"7001", b"7101"), old) == 200
    assert await gateway.post(tenant, UPDATE.replace(b"7001", b"7102"), stranger) == 401


async def test_a_strangers_body_is_never_read(gateway: Gateway) -> None:
    """A wrong secret is 401 before the body is read: the body here never ends."""
    tenant = unique_tenant_id()
    await add_tenant(gateway.nats_url, tenant, gateway.sealer)
    head = request_head(tenant, b"not-the-secret", b"Content-Length: 3000\r\n")
    assert await raw_exchange(gateway.url, head, [b'{"update_id": 1']) == 401
