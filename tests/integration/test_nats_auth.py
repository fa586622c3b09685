"""The locked bus, proved on the pinned nats-server running deploy/nats/nats.conf: what each
user may do and, above all, what the server refuses."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, StreamInfo
from nats.js.kv import KeyValue

from devstack.infra import LocalInfra
from shared.nats_permissions import inbox_prefix
from shared.subjects import (
    BILLING_SALES_UPDATES,
    KV_TENANTS,
    PAYMENT_SUCCEEDED,
    STREAM_BILLING,
    STREAM_BOOKING,
    STREAM_TG,
    booking_event,
    tg_update,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

REFUSAL_WAIT = 5.0


class Session:
    """One NATS connection as one user, remembering the refusals the server sent it."""

    def __init__(self, infra: LocalInfra, user: str) -> None:
        self.infra = infra
        self.user = user
        self.refusals: asyncio.Queue[str] = asyncio.Queue()
        self.nc: Client | None = None

    async def __aenter__(self) -> Session:
        async def on_error(error: Exception) -> None:
            await self.refusals.put(str(error))

        self.nc = await nats.connect(
            self.infra.nats_server_url,
            user=self.user,
            password=self.infra.nats_passwords[self.user],
            inbox_prefix=inbox_prefix(self.user) if self.user != "inspector" else "_INBOX",
            error_cb=on_error,
            max_reconnect_attempts=0,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.nc is not None
        await self.nc.close()

    @property
    def conn(self) -> Client:
        assert self.nc is not None
        return self.nc

    async def refused(self, fragment: str) -> str:
        """The server's refusal naming `fragment` (TimeoutError if it never comes)."""
        async with asyncio.timeout(REFUSAL_WAIT):
            while True:
                refusal = await self.refusals.get()
                if fragment.lower() in refusal.lower():
                    return refusal


@pytest_asyncio.fixture(loop_scope="session")
async def admin(infra: LocalInfra) -> AsyncIterator[Client]:
    connection = await nats.connect(infra.nats_url, inbox_prefix=inbox_prefix("admin"))
    yield connection
    await connection.close()


async def stream_state(admin: Client, name: str) -> StreamInfo:
    return await admin.jetstream().stream_info(name)


async def test_a_client_without_credentials_is_refused(infra: LocalInfra) -> None:
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(infra.nats_server_url, allow_reconnect=False, max_reconnect_attempts=0)
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(
            infra.nats_server_url,
            user="booking",
            password="not-the-password",
            allow_reconnect=False,
            max_reconnect_attempts=0,
        )


async def test_booking_cannot_publish_a_payment(infra: LocalInfra, admin: Client) -> None:
    before = (await stream_state(admin, STREAM_BILLING.name)).state.last_seq
    async with Session(infra, "booking") as booking:
        await booking.conn.publish(PAYMENT_SUCCEEDED, b'{"forged": true}')
        refusal = await booking.refused(f'publish to "{PAYMENT_SUCCEEDED}"')
        assert "permissions violation" in refusal
        # and what it owns still goes through, acknowledged by the stream
        ack = await booking.conn.jetstream().publish(
            booking_event("created", "auth_check"), b"{}", timeout=5
        )
        assert ack.stream == STREAM_BOOKING.name
    assert (await stream_state(admin, STREAM_BILLING.name)).state.last_seq == before
    assert any(
        'user:booking" - Publish Violation' in line for line in infra.permission_violations()
    )


async def test_a_service_cannot_read_another_services_durable(infra: LocalInfra) -> None:
    stream, durable = BILLING_SALES_UPDATES.stream.name, BILLING_SALES_UPDATES.durable
    async with Session(infra, "booking") as booking:
        await booking.conn.publish(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}", b"1")
        await booking.refused(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}")
        await booking.conn.publish(f"$JS.API.CONSUMER.INFO.{stream}.{durable}", b"")
        await booking.refused(f"$JS.API.CONSUMER.INFO.{stream}.{durable}")
        await booking.conn.publish(f"$JS.API.CONSUMER.CREATE.{stream}.{durable}", b"{}")
        await booking.refused(f"$JS.API.CONSUMER.CREATE.{stream}.{durable}")
        # nor another service's inbox, where that service's pulled messages arrive
        await booking.conn.subscribe(f"{inbox_prefix('billing')}.>")
        await booking.refused(f'subscription to "{inbox_prefix("billing")}.>"')
        # nor the whole JetStream API
        await booking.conn.publish("$JS.API.STREAM.PURGE.TG", b"")
        await booking.refused("$JS.API.STREAM.PURGE.TG")


async def _next_entry(watcher: KeyValue.KeyWatcher) -> KeyValue.Entry:
    """The watch's next entry. nats-py also queues a None marker for "no more current values",
    and it may come before the current value itself when that value is still in flight as the
    watch opens, so markers are skipped wherever they fall."""
    while True:
        entry = await watcher.updates(timeout=5)
        if entry is not None:
            return entry


async def test_only_the_provisioner_writes_the_tenants_bucket(infra: LocalInfra) -> None:
    key = f"auth_{uuid.uuid4().hex[:8]}"
    async with Session(infra, "booking") as booking:
        await booking.conn.publish(f"$KV.{KV_TENANTS}.{key}", b"{}")
        await booking.refused(f"$KV.{KV_TENANTS}.{key}")
    async with Session(infra, "provisioner") as provisioner:
        written = await provisioner.conn.jetstream().key_value(KV_TENANTS)
        await written.put(key, b'{"status": "active"}')
        async with Session(infra, "booking") as booking:  # every service reads it
            bucket = await booking.conn.jetstream().key_value(KV_TENANTS)
            assert (await bucket.get(key)).value == b'{"status": "active"}'
            watcher = await bucket.watch(key)
            first = await _next_entry(watcher)
            assert first.value == b'{"status": "active"}'
            await written.delete(key)
            gone = await _next_entry(watcher)
            assert gone.operation == "DEL"
            await watcher.stop()
            assert booking.refusals.empty()


async def test_the_inspector_reads_but_cannot_forge_or_purge(
    infra: LocalInfra, admin: Client
) -> None:
    tenant = f"insp_{uuid.uuid4().hex[:6]}"
    async with Session(infra, "inspector") as inspector:
        seen = await inspector.conn.subscribe("booking.>")
        await inspector.conn.flush()
        async with Session(infra, "booking") as booking:
            await booking.conn.publish(booking_event("created", tenant), b"{}")
            await booking.conn.flush()
        message = await seen.next_msg(timeout=5)
        assert message.subject == booking_event("created", tenant)
        info = await inspector.conn.jetstream().stream_info(STREAM_BOOKING.name)
        assert info.state.messages >= 1
        before = info.state.messages

        await inspector.conn.publish(PAYMENT_SUCCEEDED, b"{}")
        await inspector.refused(f'publish to "{PAYMENT_SUCCEEDED}"')
        await inspector.conn.publish(tg_update(tenant), b"{}")
        await inspector.refused(f'publish to "{tg_update(tenant)}"')
        await inspector.conn.publish(f"$JS.API.STREAM.PURGE.{STREAM_BOOKING.name}", b"")
        await inspector.refused(f"$JS.API.STREAM.PURGE.{STREAM_BOOKING.name}")
        await inspector.conn.publish(f"$JS.API.STREAM.MSG.DELETE.{STREAM_TG.name}", b"")
        await inspector.refused(f"$JS.API.STREAM.MSG.DELETE.{STREAM_TG.name}")
        # nor make the server republish stored messages onto a payment subject
        await inspector.conn.subscribe(PAYMENT_SUCCEEDED)
        with pytest.raises(nats.errors.TimeoutError):
            await inspector.conn.jetstream().add_consumer(
                STREAM_BOOKING.name,
                ConsumerConfig(name=f"relay_{tenant}", deliver_subject=PAYMENT_SUCCEEDED),
                timeout=1,
            )
        await inspector.refused(f"$JS.API.CONSUMER.CREATE.{STREAM_BOOKING.name}")
    after = await stream_state(admin, STREAM_BOOKING.name)
    assert after.state.messages >= before  # nothing purged


async def test_billing_may_erase_a_message_from_the_updates_stream(
    infra: LocalInfra, admin: Client
) -> None:
    ack = await admin.jetstream().publish(tg_update("erase_me"), b"{}", timeout=5)
    async with Session(infra, "billing") as billing:
        assert await billing.conn.jetstream().delete_msg(STREAM_TG.name, ack.seq)
        await billing.conn.publish(f"$JS.API.STREAM.MSG.DELETE.{STREAM_BOOKING.name}", b"")
        await billing.refused(f"$JS.API.STREAM.MSG.DELETE.{STREAM_BOOKING.name}")
