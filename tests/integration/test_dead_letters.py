"""Dead letters an operator can act on (`python -m shared.dlq`), and the clock's KV watch
coming back within 2 s of a NATS restart."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import msgspec
import nats
import pytest
import pytest_asyncio
from faststream.nats import NatsMessage, NatsRouter
from nats.js.api import AckPolicy, ConsumerConfig

from devstack.infra import LocalInfra
from shared import dlq
from shared.advisories import count_max_deliveries
from shared.bus import (
    Consumer,
    Publisher,
    RetryPolicy,
    clock_bucket,
    make_broker,
    open_bus,
    subscriber_options,
)
from shared.clock import CLOCK_OFFSET_KEY, OffsetClock, follow_clock_offset
from shared.errors import PoisonMessage
from shared.metrics import Metrics
from shared.settings import Secret
from shared.subjects import STREAM_TENANT, ConsumerSpec
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

POLICY = RetryPolicy(max_deliver=3, backoff_seconds=(0.05,), ack_wait_seconds=5)


class Plans:
    """A consumer that cannot handle a plan it does not know (poison) until it is deployed."""

    def __init__(self, nats_url: str) -> None:
        self.service = f"dlq{uuid.uuid4().hex[:6]}"
        self.subject = f"tenant.plan.{uuid.uuid4().hex[:8]}"
        self.broker = make_broker(nats_url, self.service)
        self.publisher = Publisher(self.broker)
        self.known = {"m1"}
        self.handled: asyncio.Queue[bytes] = asyncio.Queue()
        self.refused: asyncio.Queue[bytes] = asyncio.Queue()

    async def start(self) -> None:
        await open_bus(self.broker)
        router = NatsRouter()
        consumer = Consumer(
            service=self.service,
            name="plans",
            publisher=self.publisher,
            metrics=Metrics(self.service),
            policy=POLICY,
        )
        spec = ConsumerSpec(f"dlq-{self.service}", STREAM_TENANT, self.subject, self.service)

        @router.subscriber(spec.subject, **subscriber_options(spec, POLICY))
        async def handle(msg: NatsMessage) -> None:
            async def work() -> None:
                plan = msgspec.json.decode(msg.body, type=str)
                if plan not in self.known:
                    await self.refused.put(msg.body)
                    raise PoisonMessage(f"unknown plan {plan}")
                await self.handled.put(msg.body)

            await consumer.run(msg, work)

        self.broker.include_router(router)
        await self.broker.start()


@pytest_asyncio.fixture(loop_scope="session")
async def plans(infra: LocalInfra) -> AsyncIterator[Plans]:
    made = Plans(infra.nats_url)
    await made.start()
    yield made
    await made.broker.stop()


async def cli(infra: LocalInfra, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    settings = dlq.AdminNats(url=infra.nats_url, user="", password=Secret(""))
    code = await dlq.run(dlq.parser().parse_args(list(argv)), settings, out)
    return code, out.getvalue()


async def test_a_dead_letter_is_listed_shown_replayed_and_then_handled(
    plans: Plans, infra: LocalInfra
) -> None:
    await plans.publisher.publish_raw(plans.subject, b'"y1"', msg_id=uuid.uuid4().hex)
    assert await asyncio.wait_for(plans.refused.get(), 10) == b'"y1"'

    async def listed() -> list[str]:
        code, text = await cli(infra, "list", "--service", plans.service)
        assert code == dlq.EXIT_OK
        return text.splitlines()[1:]

    async def letter_listed() -> bool:
        return bool(await listed())

    await until(letter_listed, 10, "the dead letter")  # published right after the refusal
    (row,) = await listed()
    sequence, _when, service, deliveries, subject, reason = row.split("\t")
    assert (service, deliveries, subject) == (plans.service, "1", plans.subject)
    assert "unknown plan y1" in reason

    code, shown = await cli(infra, "show", sequence)
    assert code == dlq.EXIT_OK
    assert f"subject: {plans.subject}" in shown
    assert shown.rstrip().endswith('payload:\n"y1"')

    plans.known.add("y1")  # the fix is deployed
    code, replayed = await cli(infra, "replay", sequence)
    assert code == dlq.EXIT_OK, replayed
    assert await asyncio.wait_for(plans.handled.get(), 10) == b'"y1"'
    assert await listed() == []
    assert (await cli(infra, "show", sequence))[0] == dlq.EXIT_NOT_FOUND


async def test_a_dead_letter_can_be_dropped(plans: Plans, infra: LocalInfra) -> None:
    await plans.publisher.publish_raw(plans.subject, b'"z9"', msg_id=uuid.uuid4().hex)
    assert await asyncio.wait_for(plans.refused.get(), 10) == b'"z9"'

    async def rows() -> list[str]:
        return (await cli(infra, "list", "--service", plans.service))[1].splitlines()[1:]

    async def letter_listed() -> bool:
        return bool(await rows())

    await until(letter_listed, 10, "the dead letter")
    sequence = (await rows())[0].split("\t")[0]
    assert await cli(infra, "drop", sequence) == (dlq.EXIT_OK, f"dropped {sequence}\n")
    assert (await cli(infra, "list", "--service", plans.service))[1].splitlines()[1:] == []
    assert plans.handled.empty()


async def test_the_clock_watch_is_back_within_two_seconds_of_a_nats_restart() -> None:
    own = LocalInfra()
    own.start_nats()
    broker = make_broker(own.nats_url, "clock-test")
    try:
        js = await open_bus(broker)
        clock = OffsetClock()
        follower = asyncio.create_task(
            follow_clock_offset(await clock_bucket(js), clock, broker.connection)
        )
        own.restart_nats()
        back = time.monotonic()
        writer = await nats.connect(own.nats_url)
        try:
            await (await writer.jetstream().key_value("clock")).put(CLOCK_OFFSET_KEY, b"3600")

            async def moved() -> bool:
                return clock.offset == timedelta(hours=1)

            await until(moved, 10, "the clock to follow the new offset")
            assert time.monotonic() - back < 2.0
        finally:
            await writer.close()
            follower.cancel()
    finally:
        await broker.stop()
        own.close()


async def test_a_message_dropped_after_max_deliver_is_counted(infra: LocalInfra) -> None:
    """JetStream's MAX_DELIVERIES advisory (a message whose last delivery timed out) shows in
    the service's metrics."""
    service = f"adv{uuid.uuid4().hex[:6]}"
    spec = ConsumerSpec(f"adv-{service}", STREAM_TENANT, f"tenant.adv.{service}", service)
    broker = make_broker(infra.nats_url, service)
    metrics = Metrics(service)
    try:
        js = await open_bus(broker)
        await count_max_deliveries(broker, service, metrics, consumers=[spec])
        await js.add_consumer(
            STREAM_TENANT.name,
            ConsumerConfig(
                durable_name=spec.durable,
                filter_subject=spec.subject,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=0.3,
                max_deliver=1,
            ),
        )
        await Publisher(broker).publish_raw(spec.subject, b"{}", msg_id=uuid.uuid4().hex)
        pull = await js.pull_subscribe_bind(spec.durable, STREAM_TENANT.name)
        (taken,) = await pull.fetch(1, timeout=5)  # taken and never acknowledged
        assert taken.data == b"{}"

        async def counted() -> bool:
            sample = metrics.registry.get_sample_value(
                "bus_max_deliveries_total", {"consumer": spec.durable}
            )
            return sample == 1.0

        await until(counted, 10, "the MAX_DELIVERIES advisory")
        assert b'bus_max_deliveries_total{consumer="' + spec.durable.encode() in metrics.render()
    finally:
        await broker.stop()
