"""The product on its own: the five services, private NATS/Redis/Postgres, and the Bot API sink
(`bench.sink`) instead of the Telegram emulator; tenants made through provisioning, each
given an explicit catalog. What the product benches (`bench.product`, `bench.memory`) run on.

`kept=DIR` keeps the Postgres cluster, the JetStream store (the tenant directory lives in a KV
bucket there) and the platform secret in DIR, so a rerun starts on the tenants made before
(`SinkStack.tenants` is read back from the registry) instead of provisioning them again; Redis
and the sink start empty (caches and a recorder only).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
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
from shared.crypto import Sealer
from shared.db import tenant_schema
from shared.settings import Secret

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
        first = max((t.bot_id + 1 for t in self.tenants), default=SINK_FIRST_BOT_ID)
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

    async def free_calendars(self) -> None:
        """Cancel every confirmed booking of the bench's tenants (as the system, straight in
        their schemas), so each phase's customers find the same free calendar: ten tenants'
        calendars fill within a few phases, and a full one ends conversations early and changes
        what a phase measures. One statement (and transaction) per tenant: one transaction over
        10,000 schemas would run out of lock slots."""
        conn = await asyncpg.connect(self.stack.config.database_url)
        try:
            for tenant in self.tenants:
                await conn.execute(
                    f'UPDATE "{tenant_schema(tenant.tenant_id)}".bookings'
                    " SET status = 'cancelled', cancelled_by = 'system',"
                    " cancel_reason = 'benchmark phase reset' WHERE status = 'confirmed'"
                )
        finally:
            await conn.close()

    async def load_tenants(self) -> None:
        """The active tenants already in the registry (a kept cluster), in creation order, with
        the webhook URL and secret their bots were given."""
        cfg = self.stack.config
        sealer = Sealer(Secret(cfg.platform_secret))
        conn = await asyncpg.connect(cfg.database_url)
        try:
            rows = await conn.fetch(
                "SELECT tenant_id, bot_id FROM platform.tenants"
                " WHERE status = 'active' AND bot_id >= $1 ORDER BY bot_id",
                SINK_FIRST_BOT_ID,
            )
        finally:
            await conn.close()
        gateway = cfg.url("gateway")
        self.tenants = [
            Tenant(
                str(r["tenant_id"]),
                int(r["bot_id"]),
                f"{gateway}/tg/{r['tenant_id']}",
                sealer.webhook_secret(str(r["tenant_id"])),
            )
            for r in rows
        ]


@contextmanager
def sink_stack(
    name: str,
    *,
    booking_processes: int = 1,
    extra_env: dict[str, str] | None = None,
    kept: Path | None = None,
) -> Iterator[SinkStack]:
    """Private NATS, Redis and Postgres (so all their CPU is this bench's), the sink, and the
    five services with webhooks pointing at the gateway and the Bot API at the sink; with
    `kept`, the cluster, the JetStream store and the tenants stay in that folder for reruns."""
    infra = LocalInfra()
    stack: Stack | None = None
    sink: subprocess.Popen[bytes] | None = None
    try:
        state = _kept_state(kept, name)
        nats_url = infra.start_nats(store=None if kept is None else kept.resolve() / "nats")
        redis_url = infra.start_redis()
        if kept is None:
            server = infra.start_private_postgres()
        else:
            server = _kept_postgres(infra, kept.resolve() / "pg")
        database = state["database"]
        if not state.get("created"):
            asyncio.run(_create_database(server, database))
            if kept is not None:
                _save_state(kept, {**state, "created": "yes"})
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
                platform_secret=state["platform_secret"],
            )
        )
        stack.start_sandbox()
        stack.start_services()
        say(f"• stack up: {booking_processes} booking process(es), Bot API sink at {sink_url}")
        bench = SinkStack(stack, infra, sink, sink_url)
        if kept is not None:
            asyncio.run(bench.load_tenants())
            say(f"• kept in {kept}: {len(bench.tenants)} tenants from earlier runs")
        yield bench
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


def _kept_state(kept: Path | None, name: str) -> dict[str, str]:
    """The database name and platform secret: new ones, or those a kept folder recorded."""
    path = None if kept is None else kept / "state.json"
    if path is not None and path.exists():
        found: dict[str, str] = json.loads(path.read_text())
        return found
    state = {
        "database": f"bookbots_bench_{name}_{uuid.uuid4().hex[:6]}",
        "platform_secret": secrets.token_urlsafe(32),
    }
    if kept is not None:
        _save_state(kept, state)
    return state


def _save_state(kept: Path, state: dict[str, str]) -> None:
    kept.mkdir(parents=True, exist_ok=True)
    path = kept / "state.json"
    path.write_text(json.dumps(state))
    path.chmod(0o600)  # the platform secret unseals the bots' tokens


def _kept_postgres(infra: LocalInfra, data_parent: Path) -> str:
    """The private cluster kept in `data_parent` (made there the first time), on a free port."""
    data = data_parent / "data"
    if not (data / "PG_VERSION").exists():
        made = LocalInfra()
        made.start_private_postgres()
        assert made.pg_data is not None
        made.stop_postgres()
        data_parent.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            data_parent.chmod(0o777)
        shutil.move(made.pg_data, data)
        made.pg_data = None
        made.close()  # removes only the emptied temporary folder
    infra.pg_data, infra.pg_port = data, free_port()
    infra.pg_as_nobody = os.geteuid() == 0
    infra.start_postgres()
    infra.postgres_url = f"postgresql://postgres@127.0.0.1:{infra.pg_port}/postgres"
    return infra.postgres_url
