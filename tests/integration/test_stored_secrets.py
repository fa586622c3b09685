"""`shared.stored_secrets` on a real JetStream: what billing (pasted bot tokens) and booking
(a shop's secret key) both use to overwrite a handled update in its stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from devstack.infra import LocalInfra
from shared.bus import Publisher, make_broker, open_bus
from shared.stored_secrets import carries_secret, erase_stored
from shared.subjects import STREAM_TENANT

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# Shaped like a BotFather token and a YooKassa key, made up at run time.
TOKEN = f"{uuid.uuid4().int % 10**9 + 10**9}:{uuid.uuid4().hex}{uuid.uuid4().hex[:3]}"
SHOP_KEY = f"test_{uuid.uuid4().hex}"


@pytest_asyncio.fixture(loop_scope="session")
async def publisher(infra: LocalInfra) -> AsyncIterator[Publisher]:
    broker = make_broker(infra.nats_url, f"erase{uuid.uuid4().hex[:6]}")
    await open_bus(broker)
    yield Publisher(broker)
    await broker.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def reader(infra: LocalInfra) -> AsyncIterator[Client]:
    connection = await nats.connect(infra.nats_url)
    yield connection
    await connection.close()


async def _store(reader: Client, body: bytes) -> int:
    subject = f"tenant.erasetest.{uuid.uuid4().hex[:8]}"
    return (await reader.jetstream().publish(subject, body, timeout=5)).seq


async def _kept(reader: Client, sequence: int) -> bytes | None:
    try:
        return (await reader.jetstream().get_msg(STREAM_TENANT.name, sequence)).data
    except NotFoundError:
        return None


async def test_a_token_and_a_shop_key_are_overwritten_a_plain_update_is_not_touched(
    publisher: Publisher, reader: Client
) -> None:
    token = f'{{"message": {{"text": "{TOKEN}"}}}}'.encode()
    key = f'{{"message": {{"text": "{SHOP_KEY}"}}}}'.encode()
    plain = b'{"message": {"text": "300001"}}'
    assert [carries_secret(body) for body in (token, key, plain)] == [True, True, False]
    stored = [await _store(reader, body) for body in (token, key, plain)]
    for sequence in stored[:2]:
        assert await erase_stored(publisher, STREAM_TENANT.name, sequence, what="a test secret")
    assert [await _kept(reader, sequence) for sequence in stored] == [None, None, plain]


async def test_erasing_what_is_gone_or_unknown_says_so_and_raises_nothing(
    publisher: Publisher, reader: Client, caplog: pytest.LogCaptureFixture
) -> None:
    sequence = await _store(reader, f'{{"text": "{SHOP_KEY}"}}'.encode())
    assert await erase_stored(publisher, STREAM_TENANT.name, sequence, what="a test secret")
    assert not await erase_stored(publisher, STREAM_TENANT.name, sequence, what="a test secret")
    assert not await erase_stored(publisher, STREAM_TENANT.name, 0, what="a test secret")
    assert "could not erase a test secret" in caplog.text
    assert SHOP_KEY not in caplog.text
