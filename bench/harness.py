"""What every benchmark needs: a private stack, bulk tenants, latency statistics, peak RSS,
and a table on stdout plus a JSON file in `bench/results/`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import nats
from nats.js.api import DeliverPolicy

from devstack.infra import LocalInfra, database_url
from devstack.stack import SERVICES, Stack, StackConfig
from sandbox.telegram import TelegramSandboxClient
from shared.bus import Publisher, make_broker
from shared.crypto import Sealer
from shared.db import tenant_schema
from shared.messages import PaymentSucceeded, Signup
from shared.settings import Secret
from shared.subjects import PAYMENT_SUCCEEDED

RESULTS = Path("bench/results")


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@contextmanager
def running_stack(name: str, **options: object) -> Iterator[Stack]:
    """The five services and the sandbox on private NATS/Redis and a fresh database."""
    infra = LocalInfra()
    stack: Stack | None = None
    try:
        nats_url = infra.start_nats()
        redis_url = infra.start_redis()
        server = infra.use_or_start_postgres(None)
        database = f"bookbots_bench_{name}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_create_database(server, database))
        stack = Stack(
            StackConfig(
                nats_url=nats_url,
                redis_url=redis_url,
                database_url=database_url(server, database),
                log_dir=Path(".run") / f"bench-{name}",
                flood_limits=False,
                **options,  # type: ignore[arg-type]
            )
        )
        stack.start_sandbox()
        stack.start_services()
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        infra.close()
        if stack is not None:
            asyncio.run(_drop_database(infra.postgres_url, stack.config.database_url))


async def _create_database(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(server: str, url: str) -> None:
    """Drop the bench's database, then the tenant roles its tenants had (and only those: other
    runs on the same server keep theirs)."""
    name = url.rsplit("/", 1)[-1]
    roles: list[str] = []
    with contextlib.suppress(asyncpg.PostgresError, OSError):
        bench = await asyncpg.connect(url)
        try:
            rows = await bench.fetch("SELECT tenant_id FROM platform.tenants")
            roles = [tenant_schema(str(r["tenant_id"])) for r in rows]
            with contextlib.suppress(asyncpg.UndefinedTableError):  # the spare pool's roles
                spares = await bench.fetch("SELECT schema_name FROM platform.spare_schemas")
                roles += [str(r["schema_name"]) for r in spares]
        finally:
            await bench.close()
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in roles:
            with contextlib.suppress(asyncpg.DependentObjectsStillExistError):
                await conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        await conn.close()


def _memory(stack: Stack, field_name: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for name in SERVICES:
        process = stack.processes.get(name)
        if process is None:
            continue
        status = Path(f"/proc/{process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith(f"{field_name}:"):
                found[name] = round(int(line.split()[1]) / 1024, 1)
    return found


def peak_rss_mib(stack: Stack) -> dict[str, float]:
    """Peak resident memory (VmHWM) of each service process, in MiB."""
    return _memory(stack, "VmHWM")


def current_rss_mib(stack: Stack) -> dict[str, float]:
    """Resident memory now (VmRSS) of each service process, in MiB."""
    return _memory(stack, "VmRSS")


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    def summary(self) -> dict[str, float]:
        if not self.samples:
            return {"count": 0}
        ordered = sorted(self.samples)

        def pick(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

        return {
            "count": len(ordered),
            "p50_ms": pick(0.50),
            "p95_ms": pick(0.95),
            "p99_ms": pick(0.99),
            "max_ms": round(ordered[-1] * 1000, 1),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
        }


def write_results(name: str, results: Mapping[str, object]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return path


def table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    say("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        say("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


@dataclass(frozen=True)
class BotSpec:
    """A bot as BotFather would hand it over (the token stays in memory only)."""

    id: int
    username: str
    token: str = field(repr=False)


async def bulk_tenants(stack: Stack, count: int, *, prefix: str, concurrency: int = 64) -> float:
    """Create `count` tenants through the real provisioning path (their bots made in the
    emulator, `payment.succeeded` published as billing would); returns the seconds it took
    from the first event to the last `tenant.provisioned`."""
    async with TelegramSandboxClient(stack.config.url("telegram")) as telegram:
        names = [f"{prefix}{i:05d}_bot" for i in range(count)]
        bots = []
        for start in range(0, count, concurrency):
            bots += await asyncio.gather(
                *(telegram.create_bot(n, f"Салон {n}") for n in names[start : start + concurrency])
            )
    return await provision(
        stack, [BotSpec(b.id, b.username, b.token) for b in bots], concurrency=concurrency
    )


async def provision(
    stack: Stack,
    bots: Sequence[BotSpec],
    *,
    concurrency: int = 64,
    progress: Callable[[int, float], None] | None = None,
) -> float:
    """One `payment.succeeded` per bot, as billing publishes it, so the provisioner creates
    the tenants on its own path; returns the seconds from the first event to the last
    `tenant.provisioned`. `progress(live, seconds)` is called every 500 tenants live."""
    cfg = stack.config
    count = len(bots)
    sealer = Sealer(Secret(cfg.platform_secret))
    connection = await nats.connect(cfg.nats_url)
    watcher = await connection.jetstream().subscribe(
        "tenant.provisioned.*", ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
    )
    broker = make_broker(cfg.nats_url, "bench")
    await broker.connect()
    publisher = Publisher(broker)
    started = time.perf_counter()
    now = datetime.now(UTC)
    for start in range(0, count, concurrency):
        batch = bots[start : start + concurrency]
        await asyncio.gather(
            *(
                publisher.publish(
                    PAYMENT_SUCCEEDED,
                    PaymentSucceeded(
                        payment_id=f"bench-{bot.username}",
                        purpose="new",
                        plan_code="m1",
                        period_days=30,
                        amount_kopecks=29900,
                        currency="RUB",
                        paid_at=now,
                        buyer_chat_id=bot.id,  # each business bought by its own owner
                        signup=Signup(
                            signup_id=f"bench-{bot.username}",
                            business_name=f"Салон {bot.username}",
                            timezone="Europe/Moscow",
                            buyer_chat_id=bot.id,
                            owner_chat_id=bot.id,
                            bot_id=bot.id,
                            bot_username=bot.username,
                            bot_token_sealed=sealer.seal(bot.token),
                        ),
                    ),
                    msg_id=f"bench:{bot.username}",
                )
                for bot in batch
            )
        )
    seen = 0
    while seen < count:
        await watcher.next_msg(timeout=600)
        seen += 1
        if seen % 500 == 0:
            at = time.perf_counter() - started
            say(f"  ... {seen}/{count} tenants live after {at:.0f}s")
            if progress is not None:
                progress(seen, at)
    elapsed = time.perf_counter() - started
    await broker.stop()
    await connection.close()
    return elapsed
