"""The product on its own: the five services, private NATS/Redis/Postgres, and the Bot API sink
(`bench.sink`) instead of the Telegram emulator; tenants made through provisioning, each
given an explicit catalog. What the product benches (`bench.product`, `bench.memory`) run on.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from bench.catalog import give_catalogs
from bench.harness import BotSpec, provision, say
from bench.procstat import Group, postmaster_pid
from devstack.infra import LocalInfra, database_url, free_port, wait_for_port
from devstack.stack import SERVICES, Stack, StackConfig, service_of

SINK_FIRST_BOT_ID = 7_000_000_000


@dataclass
class Tenant:
    tenant_id: str
    bot_id: int
    url: str  # the webhook the bot set, as the sink saw it
    secret: str


@dataclass
class SinkStack:
    stack: Stack
    infra: LocalInfra
    sink: subprocess.Popen[bytes]
    sink_url: str
    tenants: list[Tenant] = field(default_factory=list)

    def groups(self) -> list[Group]:
        """Every process the benches account for, one group per component."""
        procs = self.stack.processes
        booking = tuple(p.pid for n, p in procs.items() if service_of(n) == "booking")
        found = [
            Group("gateway", (procs["gateway"].pid,)),
            Group("booking", booking),
            Group("billing", (procs["billing"].pid,)),
            Group("provisioner", (procs["provisioner"].pid,)),
            Group("notifier", (procs["notifier"].pid,)),
        ]
        if self.infra.nats_process is not None:
            found.append(Group("nats", (self.infra.nats_process.pid,)))
        if self.infra.pg_data is not None:
            postmaster = postmaster_pid(self.infra.pg_data)
            if postmaster is not None:
                found.append(Group("postgres", (postmaster,), children=True))
        if self.infra.redis_process is not None:
            found.append(Group("redis", (self.infra.redis_process.pid,)))
        found.append(Group("sink", (self.sink.pid,)))
        return found

    def rss(self) -> dict[str, float]:
        """RSS in MiB of every component, and of the five services together."""
        sizes = {g.name: g.rss() for g in self.groups()}
        sizes["services_total"] = round(sum(sizes[s] for s in SERVICES), 1)
        return sizes

    def booking_processes(self) -> int:
        return sum(1 for n in self.stack.processes if service_of(n) == "booking")

    def scale_booking(self, count: int) -> None:
        """Start or stop booking replicas until `count` processes share the durable consumer."""
        self.stack.config.replicas["booking"] = count
        wanted = self.stack.config.instances("booking")
        for instance in [n for n in self.stack.processes if service_of(n) == "booking"]:
            if instance not in wanted:
                self.stack.stop_service(instance)
        for instance in wanted:
            if instance not in self.stack.processes:
                self.stack.start_instance(instance)

    async def add_tenants(self, count: int) -> float:
        """`count` more tenants through provisioning, each with its catalog; returns seconds."""
        first = SINK_FIRST_BOT_ID + len(self.tenants)
        bots = [
            BotSpec(
                id=first + i,
                username=f"sink{first + i}_bot",
                token=f"{first + i}:{secrets.token_urlsafe(26)}",
            )
            for i in range(count)
        ]
        seconds = await provision(self.stack, bots)
        cfg = self.stack.config
        conn = await asyncpg.connect(cfg.database_url)
        try:
            rows = await conn.fetch(
                "SELECT tenant_id, bot_id FROM platform.tenants WHERE bot_id = ANY($1::bigint[])",
                [b.id for b in bots],
            )
        finally:
            await conn.close()
        by_bot = {int(r["bot_id"]): str(r["tenant_id"]) for r in rows}
        await give_catalogs(cfg.database_url, list(by_bot.values()))
        async with httpx.AsyncClient() as client:
            hooks = (await client.get(f"{self.sink_url}/sink/webhooks", timeout=30)).json()
        for bot in bots:
            url, secret = hooks[str(bot.id)]
            self.tenants.append(Tenant(by_bot[bot.id], bot.id, url, secret))
        return seconds


@contextmanager
def sink_stack(
    name: str, *, booking_processes: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[SinkStack]:
    """Private NATS, Redis and Postgres (so all their CPU is this bench's), the sink, and the
    five services with webhooks pointing at the gateway and the Bot API at the sink."""
    infra = LocalInfra()
    stack: Stack | None = None
    sink: subprocess.Popen[bytes] | None = None
    try:
        nats_url = infra.start_nats()
        redis_url = infra.start_redis()
        server = infra.start_private_postgres()
        database = f"bookbots_bench_{name}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_create_database(server, database))
        sink_port = free_port()
        log_dir = Path(".run") / f"bench-{name}"
        log_dir.mkdir(parents=True, exist_ok=True)
        sink = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "bench.sink", "--port", str(sink_port)],
            stdout=(log_dir / "sink.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port("127.0.0.1", sink_port, timeout=120, what="Bot API sink")
        sink_url = f"http://127.0.0.1:{sink_port}"
        stack = Stack(
            StackConfig(
                nats_url=nats_url,
                redis_url=redis_url,
                database_url=database_url(server, database),
                log_dir=log_dir,
                telegram_emulator=False,
                ready_timeout=600.0,  # a loaded machine starts services slowly
                replicas={"booking": booking_processes},
                extra_env={
                    "TELEGRAM_API_BASE": sink_url,
                    "SALES_BOT_TOKEN": f"6999999991:{secrets.token_urlsafe(26)}",
                    "OPS_BOT_TOKEN": f"6999999992:{secrets.token_urlsafe(26)}",
                    "LOG_LEVEL": "WARNING",
                    **(extra_env or {}),
                },
            )
        )
        stack.start_sandbox()
        stack.start_services()
        say(f"• stack up: {booking_processes} booking process(es), Bot API sink at {sink_url}")
        yield SinkStack(stack, infra, sink, sink_url)
    finally:
        if stack is not None:
            stack.stop()
        if sink is not None:
            sink.terminate()
            sink.wait(timeout=10)
        infra.close()


async def _create_database(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
