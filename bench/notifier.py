"""How many messages per second the notifier's dispatcher delivers, within Telegram's limits.

    .venv/bin/python -m bench.notifier [--messages 20000] [--bots 500] [--chats-per-bot 20]
                                       [--replicas 1] [--api sink|emulator]

Private NATS and Redis and a fresh database; `--messages` reminders due now across `--bots`
tenants' bots (each bot's messages spread over `--chats-per-bot` chats) are put in the
notifier's table and the real dispatcher (claims, Redis limiter, lease checks, marks,
outcomes) delivers them. `--api sink` (the default, `make bench-notifier`): the Bot API is the
bench's sink (`bench.sink`, its own process), which enforces Telegram's 30 msg/s per bot and
1 msg/s per chat, answers 429 beyond them and counts every 429; the limiter runs at those real
rates. `--api emulator`: the Telegram emulator in process with flood limits off and the rates
out of reach (the dispatcher's own cost plus the emulator's). `--replicas 2` runs two dispatch
loops over the same table in one process, `--processes 2` two such processes (both cores).
Prints the figures with the goal (>= 2,000 msg/s, 0 x 429); writes
`bench/results/notifier-*.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx
import msgspec
import nats
from redis.asyncio import Redis

from bench.harness import say, table, write_results
from bench.procstat import cpu_seconds
from devstack.infra import LocalInfra, database_url, free_port, wait_for_port
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.testing import running_sandbox
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.adapters.rate_limit_redis import RedisRateLimiter
from services.notifier.adapters.telegram_sender import TelegramSender
from services.notifier.main import MIGRATIONS
from services.notifier.use_cases import Dispatcher, DispatchPolicy
from shared.bus import MSG_ID_HEADER, ensure_streams, tenants_bucket
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.db import create_pool
from shared.messages import TenantConfig, encode
from shared.migrate import load_migrations, migrate_schema
from shared.settings import PostgresSettings, Secret, TelegramSettings
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory

SECRET = Secret("bench-notifier-platform-secret-0123456789abcdef")


class JetStreamEvents:
    def __init__(self, js: nats.js.JetStreamContext) -> None:
        self._js = js

    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await self._js.publish(subject, encode(event), headers={MSG_ID_HEADER: msg_id})


GOAL_PER_SECOND = 2000
READY_KEY, GO_KEY = "bench:notifier:ready", "bench:notifier:go"  # in the bench's own Redis


async def run(options: Options) -> dict[str, object]:
    infra = LocalInfra()
    try:
        nats_url, redis_url = infra.start_nats(), infra.start_redis()
        server = infra.use_or_start_postgres(None)
        name = f"bookbots_bench_notifier_{uuid.uuid4().hex[:6]}"
        admin = await asyncpg.connect(server)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            async with bot_api(options) as (url, sink_pid):
                return await _measure(
                    nats_url, redis_url, database_url(server, name), url, sink_pid, options
                )
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    finally:
        infra.close()


@dataclass(frozen=True)
class Options:
    messages: int = 20_000
    bots: int = 500
    chats_per_bot: int = 20
    replicas: int = 1
    api: str = "sink"
    processes: int = 1

    @property
    def limited(self) -> bool:
        return self.api == "sink"


@contextlib.asynccontextmanager
async def bot_api(options: Options) -> AsyncIterator[tuple[str, int | None]]:
    """The Bot API's URL (and the sink's pid, when it is the sink)."""
    if not options.limited:
        async with running_sandbox(flood_limits=False) as url:
            yield url, None
        return
    port = free_port()
    limits = ["--per-bot-rate", "30", "--per-chat-rate", "1"]
    sink = subprocess.Popen(  # noqa: S603, ASYNC220 - our own module, started once
        [sys.executable, "-m", "bench.sink", "--port", str(port), *limits]
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=30, what="Bot API sink")
        yield f"http://127.0.0.1:{port}", sink.pid
    finally:
        sink.terminate()
        sink.wait(timeout=10)


async def _bots(url: str, options: Options) -> list[tuple[int, str, str]]:
    """(bot id, username, token) of each bot; in the emulator they are made and each chat
    opens the bot once (Telegram refuses a message to a chat that never did)."""
    if options.limited:
        return [
            (8_000_000_000 + n, f"nb{n}_bot", f"{8_000_000_000 + n}:{uuid.uuid4().hex}")
            for n in range(options.bots)
        ]
    found = []
    async with TelegramSandboxClient(url) as telegram:
        for n in range(options.bots):
            bot = await telegram.create_bot(f"nb{n}_{uuid.uuid4().hex[:6]}_bot")
            found.append((bot.id, bot.username, bot.token))
        gate = asyncio.Semaphore(32)

        async def start(username: str, chat: int) -> None:
            async with gate:
                await telegram.send_text(username, chat, "/start")

        await asyncio.gather(
            *(
                start(username, 1000 + chat)
                for _, username, _ in found
                for chat in range(options.chats_per_bot)
            )
        )
    return found


async def _pool(db_url: str) -> asyncpg.Pool:
    """The notifier's own kind of pool (statement-scoped, as `services.notifier.main` makes it)."""
    settings = PostgresSettings(dsn=Secret(db_url), pool_min=2, pool_max=20, recycle_seconds=300)
    return await create_pool(settings, statement_scoped=True)


async def _measure(
    nats_url: str,
    redis_url: str,
    db_url: str,
    api_url: str,
    sink_pid: int | None,
    options: Options,
) -> dict[str, object]:
    pool = await _pool(db_url)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js)
    redis = Redis.from_url(redis_url)
    await migrate_schema(pool, "notifier", load_migrations(MIGRATIONS))
    sealer = Sealer(SECRET)
    directory = TenantDirectory(await tenants_bucket(js))
    tenants = []
    for bot_id, username, token in await _bots(api_url, options):
        tenant_id = f"bench_{bot_id}"
        await directory.put(
            TenantConfig(
                tenant_id=tenant_id,
                status="active",
                business_name="Bench",
                bot_id=bot_id,
                bot_username=username,
                bot_token_sealed=sealer.seal(token),
                delivery="polling",
                timezone="Europe/Moscow",
                owner_chat_id=1,
                paid_until=datetime(2100, 1, 1, tzinfo=UTC),
            )
        )
        tenants.append(tenant_id)
    await pool.execute(
        "INSERT INTO notifier.deliveries (dedup_key, tenant_id, via, chat_id, kind, text, "
        "due_at) SELECT 'bench:' || i, ($1::text[])[1 + i % $2], 'tenant', "
        "1000 + (i / $2) % $5, 'reminder', 'Напоминаем: завтра в 15:00, Стрижка, Анна', $3 "
        "FROM generate_series(0, $4 - 1) AS i",
        tenants,
        options.bots,
        datetime.now(UTC),
        options.messages,
        options.chats_per_bot,
    )
    loops, sender_bots = _dispatchers(pool, js, redis, api_url, options, directory)
    workers = [
        subprocess.Popen(  # noqa: ASYNC220 - our own module, started once
            [sys.executable, "-m", "bench.notifier", "--worker"],
            env={
                **os.environ,
                "BENCH_NATS_URL": nats_url,
                "BENCH_REDIS_URL": redis_url,
                "BENCH_DATABASE_URL": db_url,
                "BENCH_API_URL": api_url,
                "BENCH_API": options.api,
                "BENCH_REPLICAS": str(options.replicas),
            },
        )
        for _ in range(options.processes - 1)
    ]
    # The clock starts once every worker has imported, connected and built its loops: their
    # start-up is not the dispatcher's work (nor its CPU).
    await _workers_ready(redis, workers)
    cpu_workers_before = sum(cpu_seconds(w.pid) for w in workers)
    await redis.set(GO_KEY, "1")
    cpu_before = cpu_seconds(os.getpid()), cpu_seconds(sink_pid) if sink_pid else 0.0
    started = time.perf_counter()
    tasks = [asyncio.create_task(loop.run()) for loop in loops]
    left = "SELECT count(*) FROM notifier.deliveries WHERE status IN ('pending', 'sending')"
    while await pool.fetchval(left):  # noqa: ASYNC110 - a benchmark polls the table
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds(os.getpid()), cpu_seconds(sink_pid) if sink_pid else 0.0
    cpu_workers = sum(cpu_seconds(w.pid) for w in workers) - cpu_workers_before
    for worker in workers:
        worker.terminate()
        worker.wait(timeout=20)
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    statuses = await pool.fetch(
        "SELECT status, count(*) AS n, min(last_error) AS error FROM notifier.deliveries "
        "GROUP BY status"
    )
    received, too_many = await _received(api_url, tenants, options)
    await sender_bots.close()
    await redis.aclose()
    await nc.close()
    await pool.close()
    return {
        "api": options.api,
        "messages": options.messages,
        "bots": options.bots,
        "chats_per_bot": options.chats_per_bot,
        "replicas": options.replicas,
        "processes": options.processes,
        "seconds": round(elapsed, 2),
        "messages_per_s": round(options.messages / elapsed, 1),
        "received": received,
        "too_many_requests": too_many,
        "statuses": {str(r["status"]): int(r["n"]) for r in statuses},
        "errors": [str(r["error"]) for r in statuses if r["error"]],
        "cpu_ms_per_message": {
            "dispatcher": round(
                (cpu_after[0] - cpu_before[0] + cpu_workers) * 1000 / options.messages, 3
            ),
            "sink": round((cpu_after[1] - cpu_before[1]) * 1000 / options.messages, 3),
        },
        "load": os.getloadavg(),
    }


def _dispatchers(
    pool: asyncpg.Pool,
    js: nats.js.JetStreamContext,
    redis: Redis,
    api_url: str,
    options: Options,
    directory: TenantDirectory | None = None,
) -> tuple[list[Dispatcher], Bots]:
    """`options.replicas` dispatch loops (and the bots' session to close afterwards)."""
    limit = DispatchPolicy().concurrency  # as the notifier's own session (`main.py`)
    session = make_session(TelegramSettings(api_base=api_url), limit=limit, interactive=False)
    sender_bots = Bots(session)
    if directory is None:
        raise ValueError("a directory is needed")
    sender = TelegramSender(
        bots=sender_bots, directory=directory, sealer=Sealer(SECRET), sales_token=Secret("")
    )
    if options.limited:  # Telegram's own limits, as the notifier runs in production
        policy = DispatchPolicy(poll_seconds=0.05)
        limiter = RedisRateLimiter(
            redis, per_bot_rate=policy.per_bot_rate, per_chat_rate=policy.per_chat_rate
        )
    else:
        policy = DispatchPolicy(per_bot_rate=1e6, per_chat_rate=1e6, poll_seconds=0.05)
        limiter = RedisRateLimiter(redis, per_bot_rate=1e6, per_chat_rate=1e6)
    deliveries = PgDeliveries(pool)
    loops = [
        Dispatcher(
            queue=deliveries,
            limiter=limiter,
            sender=sender,
            events=JetStreamEvents(js),
            clock=SystemClock(),
            policy=policy,
        )
        for _ in range(options.replicas)
    ]
    return loops, sender_bots


async def worker() -> None:
    """Another notifier process over the same table (`--processes`), until terminated."""
    env = os.environ
    options = Options(api=env["BENCH_API"], replicas=int(env["BENCH_REPLICAS"]))
    pool = await _pool(env["BENCH_DATABASE_URL"])
    nc = await nats.connect(env["BENCH_NATS_URL"])
    js = nc.jetstream()
    redis = Redis.from_url(env["BENCH_REDIS_URL"])
    directory = TenantDirectory(await tenants_bucket(js))
    loops, _ = _dispatchers(pool, js, redis, env["BENCH_API_URL"], options, directory)
    await redis.set(f"{READY_KEY}:{os.getpid()}", "1")
    while not await redis.exists(GO_KEY):  # noqa: ASYNC110 - the bench's start signal
        await asyncio.sleep(0.01)
    await asyncio.gather(*(loop.run() for loop in loops))


async def _workers_ready(redis: Redis, workers: list[subprocess.Popen[bytes]]) -> None:
    async with asyncio.timeout(120):
        for worker in workers:
            while not await redis.exists(f"{READY_KEY}:{worker.pid}"):
                if worker.poll() is not None:
                    raise RuntimeError(f"notifier worker {worker.pid} exited at start")
                await asyncio.sleep(0.05)


async def _received(url: str, tenants: list[str], options: Options) -> tuple[int, int | None]:
    """Messages the Bot API received, and the 429s it answered (the sink counts them)."""
    if options.limited:
        async with httpx.AsyncClient() as client:
            stats = (await client.get(f"{url}/sink/stats", timeout=10)).json()
        return int(stats["calls"].get("sendmessage", 0)) - int(stats["too_many_requests"]), int(
            stats["too_many_requests"]
        )
    received = 0
    async with TelegramSandboxClient(url) as telegram:
        for tenant_id in tenants:
            received += len(await telegram.sent(f"{tenant_id}_bot"))
    return received, None


def report(result: dict[str, object]) -> None:
    row = {
        **{k: result[k] for k in ("api", "messages", "bots", "processes", "replicas", "seconds")},
        "msg/s": result["messages_per_s"],
        "goal": f">={GOAL_PER_SECOND}",
        "429s": result["too_many_requests"],
        "429 goal": "0",
        "received": result["received"],
        "statuses": result["statuses"],
        "cpu ms/msg": result["cpu_ms_per_message"],
    }
    table([row], list(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=Options.messages)
    parser.add_argument("--bots", type=int, default=Options.bots)
    parser.add_argument("--chats-per-bot", type=int, default=Options.chats_per_bot)
    parser.add_argument("--replicas", type=int, default=Options.replicas)
    parser.add_argument("--api", choices=("sink", "emulator"), default=Options.api)
    parser.add_argument("--processes", type=int, default=Options.processes)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(worker())
        return
    options = Options(
        messages=args.messages,
        bots=args.bots,
        chats_per_bot=args.chats_per_bot,
        replicas=args.replicas,
        api=args.api,
        processes=args.processes,
    )
    say(f"load: {os.getloadavg()}")
    result = asyncio.run(run(options))
    report(result)
    for error in result["errors"]:  # type: ignore[attr-defined]
        say(f"  error seen: {error}")
    say(f"written to {write_results('notifier', result)}")


if __name__ == "__main__":
    main()
