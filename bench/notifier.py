"""How many messages per second the notifier's dispatcher delivers, with flood limits off.

Private NATS and Redis, a fresh database, the Telegram emulator in process with its limits off
and the limiter's rates set out of reach: what is left is the dispatcher's own cost (claims,
lease checks, marks, outcomes) plus the emulator's. `--replicas 2` runs two dispatch loops over
the same table. Prints one line per run; not a test (figures depend on the machine).

    .venv/bin/python -m bench.notifier --messages 2000 --bots 10 --replicas 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats
from redis.asyncio import Redis

from bench.harness import say
from devstack.infra import LocalInfra, database_url
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
from shared.messages import TenantConfig, encode
from shared.migrate import load_migrations, migrate_schema
from shared.settings import Secret, TelegramSettings
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory

SECRET = Secret("bench-notifier-platform-secret-0123456789abcdef")


class JetStreamEvents:
    def __init__(self, js: nats.js.JetStreamContext) -> None:
        self._js = js

    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        await self._js.publish(subject, encode(event), headers={MSG_ID_HEADER: msg_id})


async def run(messages: int, bots: int, replicas: int) -> None:
    infra = LocalInfra()
    try:
        nats_url, redis_url = infra.start_nats(), infra.start_redis()
        server = infra.use_or_start_postgres(None)
        name = f"bookbots_bench_notifier_{uuid.uuid4().hex[:6]}"
        admin = await asyncpg.connect(server)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await _measure(
                nats_url, redis_url, database_url(server, name), messages, bots, replicas
            )
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    finally:
        infra.close()


async def _measure(
    nats_url: str, redis_url: str, db_url: str, messages: int, bots: int, replicas: int
) -> None:
    pool = await asyncpg.create_pool(db_url, min_size=2, max_size=20)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js)
    redis = Redis.from_url(redis_url)
    await migrate_schema(pool, "notifier", load_migrations(MIGRATIONS))
    sealer = Sealer(SECRET)
    async with running_sandbox(flood_limits=False) as url:
        telegram = TelegramSandboxClient(url)
        directory = TenantDirectory(await tenants_bucket(js))
        tenants = []
        for n in range(bots):
            tenant_id = f"bench_{n}_{uuid.uuid4().hex[:6]}"
            bot = await telegram.create_bot(f"{tenant_id}_bot")
            await directory.put(
                TenantConfig(
                    tenant_id=tenant_id,
                    status="active",
                    business_name="Bench",
                    bot_id=bot.id,
                    bot_username=bot.username,
                    bot_token_sealed=sealer.seal(bot.token),
                    delivery="polling",
                    timezone="Europe/Moscow",
                    owner_chat_id=1,
                    paid_until=datetime(2100, 1, 1, tzinfo=UTC),
                )
            )
            tenants.append(tenant_id)
        gate = asyncio.Semaphore(32)

        async def start(i: int) -> None:
            async with gate:  # the customer opened the bot once
                await telegram.send_text(f"{tenants[i % bots]}_bot", 1000 + i, "/start")

        await asyncio.gather(*(start(i) for i in range(messages)))
        now = datetime.now(UTC)
        await pool.execute(
            "INSERT INTO notifier.deliveries (dedup_key, tenant_id, via, chat_id, kind, text, "
            "due_at) SELECT 'bench:' || i, ($1::text[])[1 + i % $2], 'tenant', 1000 + i, "
            "'reminder', 'Напоминаем: завтра в 15:00, Стрижка, Анна', $3 "
            "FROM generate_series(0, $4 - 1) AS i",
            tenants,
            bots,
            now,
            messages,
        )
        session = make_session(TelegramSettings(api_base=url), interactive=False)
        sender_bots = Bots(session)
        sender = TelegramSender(
            bots=sender_bots, directory=directory, sealer=sealer, sales_token=Secret("")
        )
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
            for _ in range(replicas)
        ]
        started = time.perf_counter()
        tasks = [asyncio.create_task(loop.run()) for loop in loops]
        left = "SELECT count(*) FROM notifier.deliveries WHERE status IN ('pending', 'sending')"
        while await pool.fetchval(left):  # noqa: ASYNC110 - a benchmark polls the table
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        statuses = await pool.fetch(
            "SELECT status, count(*) AS n, min(last_error) AS error FROM notifier.deliveries "
            "GROUP BY status"
        )
        for status in statuses:
            say(f"  {status['status']}: {status['n']} {status['error'] or ''}")
        received = 0
        for tenant_id in tenants:
            received += len(await telegram.sent(f"{tenant_id}_bot"))
        say(
            f"notifier dispatch: {messages} messages, {bots} bots, {replicas} replica(s): "
            f"{elapsed:.2f} s, {messages / elapsed:.0f} msgs/s; emulator received {received}"
        )
        await sender_bots.close()
        await telegram.aclose()
    await redis.aclose()
    await nc.close()
    await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--bots", type=int, default=10)
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.bots, args.replicas))


if __name__ == "__main__":
    main()
