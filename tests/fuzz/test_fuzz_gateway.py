"""Generated bodies at the gateway's webhook, through HTTP, with booking consuming behind it.

The real gateway app and the real booking app (its own durable consumer, on a NATS of this
module's own) serve one tenant whose bot lives in the Telegram emulator. Per body: the
gateway never answers 5xx; a body with an `update_id` is stored (200), anything else is a
clean 4xx; booking then handles every stored update (the consumer drains), never retries
one, and dead-letters exactly the stored bodies aiogram cannot read (poison) — so `dlq.>`
holds nothing for a well-formed update.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import msgspec
import nats
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st
from nats.js import JetStreamContext

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from sandbox.telegram.testing import running_sandbox, serve_asgi
from services.booking.config import BookingSettings
from services.booking.main import create_app as booking_app
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app as gateway_app
from shared.bus import ensure_streams, tenants_bucket
from shared.crypto import Sealer
from shared.messages import TenantConfig, encode
from shared.settings import Env, Secret
from shared.subjects import BOOKING_UPDATES, STREAM_DLQ
from tests.fuzz.booking_world import POOL, _new_tenant, _seed_a
from tests.fuzz.harness import Counts, RawUpdates, is_update
from tests.fuzz.profile import fuzz_settings, rounds
from tests.fuzz.strategies import malformed, raw_data, unknown_fields, update_bodies

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("ignore:Detected unknown update type:RuntimeWarning"),
]

PLATFORM_SECRET = secrets.token_urlsafe(48)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 65_536
DRAIN_SECONDS = 30.0
_ids = itertools.count(1)
_RETRIES = re.compile(rb'bus_messages_total\{consumer="updates",outcome="retry"\} (\S+)')


class Door:
    """The webhook, the bus behind it, and a few customers who started the tenant's bot (a
    plain class: Hypothesis prints it in a failing case, and its repr shows no secret)."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        url: str,
        secret: str,
        booking_url: str,
        js: JetStreamContext,
        client: TelegramSandboxClient,
        sandbox_bot: SandboxBot,
        raw: RawUpdates,
    ) -> None:
        self.http = http
        self.url = url
        self.secret = secret
        self.booking_url = booking_url
        self.js = js
        self.client = client
        self.sandbox_bot = sandbox_bot
        self.raw = raw
        self.messages: dict[int, int] = {}  # user -> the bot's welcome in their chat
        self.poison = 0
        self.retried = 0

    def __repr__(self) -> str:
        return f"Door({self.url})"

    async def post(self, body: bytes, *, secret: str | None = None) -> int:
        headers = {"Content-Type": "application/json", SECRET_HEADER: secret or self.secret}
        answer = await self.http.post(self.url, content=body, headers=headers)
        return answer.status_code

    async def drained(self) -> None:
        """Until booking's consumer has acked (or rejected) everything stored so far; each
        look is one request to the server, no sleeping."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DRAIN_SECONDS
        spec = BOOKING_UPDATES
        while True:
            info = await self.js.consumer_info(spec.stream.name, spec.durable)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
            if loop.time() > deadline:
                raise AssertionError(f"booking did not drain: {info}")

    async def stored(self) -> int:
        """The last sequence of the updates stream (it grows by one per stored update)."""
        info = await self.js.stream_info(BOOKING_UPDATES.stream.name)
        return int(info.state.last_seq)

    async def dead_letters(self) -> int:
        info = await self.js.stream_info(STREAM_DLQ.name)
        return int(info.state.messages)

    async def retries(self) -> float:
        answer = await self.http.get(f"{self.booking_url}/metrics")
        found = _RETRIES.search(answer.content)
        return float(found.group(1)) if found else 0.0


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def door(
    infra: LocalInfra, test_database_url: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Door]:
    local = LocalInfra()  # a NATS of this module's own: only this tenant's updates on it
    nats_url = local.start_nats()
    async with contextlib.AsyncExitStack() as exits:
        exits.callback(local.close)
        tg_url = await exits.enter_async_context(running_sandbox(flood_limits=False))
        client = await exits.enter_async_context(TelegramSandboxClient(tg_url))
        http = await exits.enter_async_context(httpx.AsyncClient(timeout=30))
        tenant_id = await _new_tenant(pg_pool, "Салон <b>Анна</b> & Co")
        await _seed_a(pg_pool, tenant_id)
        sandbox_bot = await client.create_bot(f"fzgw_{tenant_id[-6:]}_bot", "Салон")
        sealer = Sealer(Secret(PLATFORM_SECRET))
        nc = await nats.connect(nats_url)
        exits.push_async_callback(nc.close)
        js = nc.jetstream()
        await ensure_streams(js)
        config = TenantConfig(
            tenant_id=tenant_id,
            status="active",
            business_name="Салон <b>Анна</b> & Co",
            bot_id=sandbox_bot.id,
            bot_username=sandbox_bot.username,
            bot_token_sealed=sealer.seal(sandbox_bot.token),
            delivery="webhook",
            timezone="Europe/Moscow",
            owner_chat_id=POOL[0],
            paid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
        await (await tenants_bucket(js)).put(tenant_id, encode(config))
        env = {
            "NATS_URL": nats_url,
            "DATABASE_URL": test_database_url,
            "REDIS_URL": infra.redis_url,
            "TELEGRAM_API_BASE": tg_url,
            "PLATFORM_SECRET": PLATFORM_SECRET,
            "GATEWAY_PUBLIC_URL": "http://127.0.0.1:9",
            "GATEWAY_MAX_BODY_BYTES": str(MAX_BODY),
            "LOG_FORMAT": "text",
        }
        booking_url = await exits.enter_async_context(
            serve_asgi(lambda _: booking_app(BookingSettings.load(Env(env))))
        )
        gateway_url = await exits.enter_async_context(
            serve_asgi(lambda _: gateway_app(GatewaySettings.load(Env(env))))
        )
        door = Door(
            http=http,
            url=f"{gateway_url}/tg/{tenant_id}",
            secret=sealer.webhook_secret(tenant_id),
            booking_url=booking_url,
            js=js,
            client=client,
            sandbox_bot=sandbox_bot,
            raw=RawUpdates(http, tg_url, sandbox_bot.token),
        )
        for user in POOL:  # each starts the bot through the webhook and gets its welcome
            await client.send_text(sandbox_bot, user, "/start", first_name="Тест")
            for update in await door.raw.take():
                assert await door.post(msgspec.json.encode(update)) == 200
            welcome = await client.wait_for_message(sandbox_bot, user, timeout=DRAIN_SECONDS)
            door.messages[user] = welcome[-1].message_id
        yield door


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, Any]:
    """("update", dict) to post as JSON; ("press", (user, data, extra)) for a button press the
    emulator makes (its query is open, as Telegram's are); ("bytes", raw) for anything else."""
    shape = draw(st.sampled_from(["update", "update", "press", "malformed", "bytes", "json"]))
    if shape == "press":
        return "press", (draw(st.sampled_from(POOL)), draw(raw_data), draw(unknown_fields))
    if shape == "bytes":
        return "bytes", draw(
            st.one_of(
                st.binary(max_size=200),
                st.sampled_from([b"", b"null", b"[]", b"{}", b'{"update_id": -1}', b"{" * 500]),
                st.just(b'{"update_id": 1, "message": {"text": "' + b"x" * MAX_BODY + b'"}}'),
            )
        )
    if shape == "json":
        value = draw(
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["update_id", "message", "x"]), inner)
                ),
                max_leaves=6,
            )
        )
        return "bytes", msgspec.json.encode(value)
    body = draw(update_bodies(POOL))
    if shape == "malformed":
        body = draw(malformed(body))
    return "update", body


def _stored_by_gateway(body: bytes) -> bool:
    """What the gateway promises to store: a JSON object whose `update_id` is an int >= 0."""
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return False
    if len(body) > MAX_BODY or not isinstance(value, dict):
        return False
    update_id = value.get("update_id")
    return isinstance(update_id, int) and not isinstance(update_id, bool) and update_id >= 0


@rounds
@fuzz_settings("gateway_updates")
@given(case=bodies(), wrong_secret=st.sampled_from([False] * 9 + [True]))
async def test_the_webhook_never_fails_and_booking_never_dead_letters_an_update(
    door: Door, counts: Counts, round_: int, case: tuple[str, Any], wrong_secret: bool
) -> None:
    shape, value = case
    if shape == "press":
        user, data, extra = value
        await door.client.press(door.sandbox_bot, user, door.messages[user], data, force=True)
        update = await door.raw.one()
        update["callback_query"].update(extra)
        body = msgspec.json.encode(update)
    elif shape == "update":
        value["update_id"] = 10**8 + next(_ids)
        body = msgspec.json.encode(value)
    else:
        body = value
    counts.http_posts += 1
    counts.updates += 1
    if wrong_secret:  # once in a while: a secret that is not the tenant's
        status = await door.post(body, secret=door.secret[::-1])
        # the secret is checked first, from the headers alone: a stranger's body is never read,
        # whatever its size
        assert status == 401
        return
    last = await door.stored()
    status = await door.post(body)
    assert status < 500, status
    stored = _stored_by_gateway(body)
    if stored:
        assert status == 200
    else:
        assert 400 <= status < 500, status
    if await door.stored() > last and not is_update(msgspec.json.decode(body)):
        door.poison += 1  # stored (not a duplicate id), and aiogram cannot read it
        counts.poison += 1
    await door.drained()
    await door.raw.take()
    letters = await door.dead_letters()
    if letters > door.poison:
        counts.dead_letters += letters - door.poison
    assert letters == door.poison, "a well-formed update was dead-lettered"
    retries = await door.retries()
    counts.unhandled += int(retries) - door.retried
    door.retried = int(retries)
    assert retries == 0, "booking failed on an update and would retry it"
