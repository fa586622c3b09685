"""The bus plumbing on a real JetStream: retries with backoff, dead letters an operator can read,
deduplication, and secrets erased from the stream."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import msgspec
import nats
import pytest
import pytest_asyncio
from faststream.nats import NatsMessage, NatsRouter
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError

from devstack.infra import LocalInfra
from shared.bus import (
    Consumer,
    Publisher,
    RetryPolicy,
    ensure_consumers,
    make_broker,
    open_bus,
    subscriber_options,
)
from shared.errors import PoisonMessage
from shared.messages import DeadLetter
from shared.metrics import Metrics
from shared.subjects import STREAM_TENANT, ConsumerSpec, dead_letter

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

FAST = RetryPolicy(max_deliver=3, backoff_seconds=(0.05, 0.1), ack_wait_seconds=5)
# Shaped like a BotFather token (digits, a colon, 35 characters), made up at run time.
TOKEN = f"{uuid.uuid4().int % 10**9 + 10**9}:{uuid.uuid4().hex}{uuid.uuid4().hex[:3]}"


class Harness:
    def __init__(self, nats_url: str) -> None:
        self.nats_url = nats_url
        self.service = f"svc{uuid.uuid4().hex[:6]}"
        self.subject = f"tenant.bustest.{uuid.uuid4().hex[:8]}"
        self.broker = make_broker(nats_url, self.service)
        self.publisher = Publisher(self.broker)
        self.seen: asyncio.Queue[tuple[bytes, int]] = asyncio.Queue()

    async def start(self, behaviour: str, *, erase: bool = False) -> None:
        await open_bus(self.broker)
        router = NatsRouter()
        consumer = Consumer(
            service=self.service,
            name="test",
            publisher=self.publisher,
            metrics=Metrics(self.service),
            policy=FAST,
            erase_secrets=erase,
        )
        spec = ConsumerSpec(f"bus-{self.service}", STREAM_TENANT, self.subject, self.service)

        @router.subscriber(spec.subject, **subscriber_options(spec, FAST))
        async def handle(msg: NatsMessage) -> None:
            async def work() -> None:
                deliveries = msg.raw_message.metadata.num_delivered
                await self.seen.put((msg.body, deliveries))
                if behaviour == "poison":
                    raise PoisonMessage("never decodes")
                if behaviour == "fail":
                    raise RuntimeError("database down")
                if behaviour == "flaky" and deliveries < 2:
                    raise RuntimeError("blip")

            await consumer.run(msg, work)

        self.broker.include_router(router)
        await self.broker.start()

    async def dead_letters(self) -> AsyncIterator[DeadLetter]:
        connection = await nats.connect(self.nats_url)
        sub = await connection.jetstream().subscribe(
            dead_letter(self.service), ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        try:
            while True:
                msg = await sub.next_msg(timeout=10)
                yield msgspec.json.decode(msg.data, type=DeadLetter)
        finally:
            await connection.close()


@pytest_asyncio.fixture(loop_scope="session")
async def harness(infra: LocalInfra) -> AsyncIterator[Harness]:
    made = Harness(infra.nats_url)
    yield made
    await made.broker.stop()


async def test_a_failing_message_is_retried_then_succeeds(harness: Harness) -> None:
    await harness.start("flaky")
    await harness.publisher.publish_raw(harness.subject, b'{"n": 1}', msg_id="flaky-1")
    first = await asyncio.wait_for(harness.seen.get(), 10)
    second = await asyncio.wait_for(harness.seen.get(), 10)
    assert [first[1], second[1]] == [1, 2]


async def test_a_message_that_keeps_failing_ends_in_the_dead_letters(harness: Harness) -> None:
    await harness.start("fail")
    await harness.publisher.publish_raw(harness.subject, b'{"n": 2}', msg_id="fail-2")
    deliveries = [(await asyncio.wait_for(harness.seen.get(), 10))[1] for _ in range(3)]
    assert deliveries == [1, 2, 3]
    letter = await anext(harness.dead_letters())
    assert letter.subject == harness.subject
    assert letter.deliveries == 3
    assert "database down" in letter.error
    assert letter.payload == '{"n": 2}'


async def test_poison_goes_to_dead_letters_at_once_with_secrets_redacted(harness: Harness) -> None:
    await harness.start("poison")
    body = f'{{"text": "{TOKEN}"}}'.encode()
    await harness.publisher.publish_raw(harness.subject, body, msg_id="poison-3")
    assert (await asyncio.wait_for(harness.seen.get(), 10))[1] == 1
    letter = await anext(harness.dead_letters())
    assert letter.deliveries == 1
    assert TOKEN not in letter.payload
    assert "[redacted]" in letter.payload


async def test_a_republished_message_is_delivered_once(harness: Harness) -> None:
    await harness.start("ok")
    for _ in range(3):
        await harness.publisher.publish_raw(harness.subject, b'{"n": 4}', msg_id="dup-4")
    await harness.publisher.publish_raw(harness.subject, b'{"n": 5}', msg_id="dup-5")
    bodies = [(await asyncio.wait_for(harness.seen.get(), 10))[0] for _ in range(2)]
    assert bodies == [b'{"n": 4}', b'{"n": 5}']


async def test_a_handled_message_with_a_token_is_erased_from_the_stream(harness: Harness) -> None:
    await harness.start("ok", erase=True)
    body = f'{{"message": {{"text": "{TOKEN}"}}}}'.encode()
    await harness.publisher.publish_raw(harness.subject, body, msg_id="secret-6")
    await harness.publisher.publish_raw(harness.subject, b'{"plain": 1}', msg_id="plain-7")
    assert (await asyncio.wait_for(harness.seen.get(), 10))[0] == body
    assert (await asyncio.wait_for(harness.seen.get(), 10))[0] == b'{"plain": 1}'
    connection = await nats.connect(harness.nats_url)
    try:
        js = connection.jetstream()
        info = await js.stream_info(STREAM_TENANT.name)
        kept = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                stored = await js.get_msg(STREAM_TENANT.name, seq)
            except NotFoundError:
                continue
            if stored.subject == harness.subject:
                kept.append(stored.data)
    finally:
        await connection.close()
    assert kept == [b'{"plain": 1}']


async def test_a_durable_made_under_an_older_budget_gets_the_new_one(harness: Harness) -> None:
    """FastStream binds to an existing durable as it is: `ensure_consumers` brings its
    max_deliver and ack_wait up to the policy, or the server would still give up after 4."""
    await open_bus(harness.broker)
    js = harness.broker.connection.jetstream()
    spec = ConsumerSpec(f"old-{harness.service}", STREAM_TENANT, harness.subject, harness.service)
    old = RetryPolicy(max_deliver=4, backoff_seconds=(0.5, 2.0, 5.0))
    await ensure_consumers(js, [(spec, old)])
    assert (await js.consumer_info(STREAM_TENANT.name, spec.durable)).config.max_deliver == 4

    await ensure_consumers(js, [(spec, RetryPolicy.lasting())])
    config = (await js.consumer_info(STREAM_TENANT.name, spec.durable)).config
    assert (config.max_deliver, config.ack_wait) == (10_000, 60.0)
    assert config.filter_subject == harness.subject
