"""Provisioning figures: payment recorded -> the new bot answering, and bulk tenant creation.

    python -m bench.provisioning [--samples 30] [--bulk 1000 10000] [--no-prefill]

Tenant schemas come from the provisioner's pool of spares (SPARE_POOL_SIZE, topped up in the
background) and are created directly when it is empty. Before each bulk size the pool is
filled with that many spares, as it would be between sales (the rate at which spares are made
is printed: it is the DDL a purchase no longer waits for); `--no-prefill` measures the
provisioner with only its own small pool (schemas mostly created at purchase).

Latency: a buyer's payment is created by billing in the YooKassa emulator and paid; the
emulator posts the notification and billing answers 200 once it recorded and published it
(t0). A customer's /start is sent to the new bot at once (Telegram queues it until the webhook
is set); t1 is when the bot's answer reaches the emulator.
Bulk: N `payment.succeeded` events (bots made in the emulator first) until N
`tenant.provisioned` events. Targets: 10,000 tenants in <= 10 min, payment -> live p50 <= 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import asyncpg

from bench.harness import (
    Latencies,
    bulk_tenants,
    peak_rss_mib,
    running_stack,
    say,
    table,
    write_results,
)
from devstack.demo import Endpoints, create_signup_payment
from devstack.stack import SANDBOX_SHOP_ID, SANDBOX_SHOP_SECRET, Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient
from services.provisioner.adapters.spares_pg import PgSpareSchemas
from shared.migrate import shared_migrations

TARGET_10K_MINUTES = 10


async def payment_to_live(stack: Stack, samples: int) -> Latencies:
    assert stack.bots is not None
    cfg = stack.config
    endpoints = Endpoints(
        database_url=cfg.database_url,
        telegram_url=cfg.url("telegram"),
        yookassa_url=cfg.url("yookassa"),
        shop_id=SANDBOX_SHOP_ID,
        shop_secret=SANDBOX_SHOP_SECRET,
        platform_secret=cfg.platform_secret,
        sales_bot=stack.bots.sales_username,
    )
    latencies = Latencies()
    async with (
        TelegramSandboxClient(cfg.url("telegram")) as telegram,
        YooKassaSandboxClient(cfg.url("yookassa")) as yookassa,
    ):
        for i in range(samples):
            bot = f"live{i:03d}_{uuid.uuid4().hex[:4]}_bot"
            _, payment_id, _ = await create_signup_payment(
                endpoints, business_name=f"Салон {i}", bot_username=bot, buyer_chat_id=900_000 + i
            )
            paid = await yookassa.pay(payment_id)
            recorded = time.perf_counter()
            if paid.notification_status != 200:
                raise RuntimeError(f"billing answered {paid.notification_status}")
            await telegram.send_text(bot, 800_000 + i, "/start")
            await telegram.wait_for_message(bot, 800_000 + i, 0, 30)
            latencies.add(time.perf_counter() - recorded)
    return latencies


async def pool_size(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM platform.spare_schemas"))
    finally:
        await conn.close()


async def wait_for_pool(url: str, size: int, timeout: float) -> None:
    """Until the provisioner's own keeper has filled its pool (it starts empty)."""
    deadline = time.monotonic() + timeout
    while await pool_size(url) < size:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the spare pool did not reach {size} in {timeout:.0f} s")
        await asyncio.sleep(0.5)


async def prefill(url: str, count: int, workers: int) -> float:
    """`count` more spares, `workers` at a time, as the provisioner makes them; spares/s."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=workers)
    assert pool is not None
    spares = PgSpareSchemas(pool, shared_migrations("tenant"))
    started = time.perf_counter()
    try:
        for start in range(0, count, workers):
            await asyncio.gather(*(spares.make_one() for _ in range(min(workers, count - start))))
            if (start + workers) % 1000 < workers:
                say(f"  ... {start + workers}/{count} spares")
    finally:
        await pool.close()
    return count / (time.perf_counter() - started)


async def bulk_round(
    stack: Stack, size: int, *, prefill_workers: int, fill: bool
) -> dict[str, object]:
    url = stack.config.database_url
    spares_per_second = None
    if fill:
        say(f"• filling the spare pool with {size} schemas, {prefill_workers} at a time")
        spares_per_second = round(await prefill(url, size, prefill_workers), 1)
    before = await pool_size(url)
    say(f"• bulk creation of {size} tenants through provisioning (pool holds {before})")
    seconds = await bulk_tenants(stack, size, prefix=f"bench{size}x")
    return {
        "tenants": size,
        "pool_before": before,
        "pool_after": await pool_size(url),
        "seconds": round(seconds, 1),
        "tenants_per_second": round(size / seconds, 1),
        "projected_10k_minutes": round(seconds / size * 10_000 / 60, 1),
        "target_10k_minutes": TARGET_10K_MINUTES,
        "spares_made_per_second": spares_per_second,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.provisioning", description=__doc__)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--bulk", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--pool", type=int, default=40, help="the provisioner's SPARE_POOL_SIZE")
    parser.add_argument("--prefill-workers", type=int, default=2)
    parser.add_argument("--no-prefill", action="store_true")
    args = parser.parse_args()
    env = {"SPARE_POOL_SIZE": str(args.pool), "SPARE_POOL_CHECK_SECONDS": "1"}
    with running_stack("prov", extra_env=env) as stack:
        url = stack.config.database_url
        say(f"• waiting for the provisioner's pool of {args.pool} spares")
        asyncio.run(wait_for_pool(url, min(args.pool, args.samples), 600))
        say(f"• payment recorded -> bot answering, {args.samples} sequential purchases")
        live = asyncio.run(payment_to_live(stack, args.samples))
        rounds = [
            asyncio.run(
                bulk_round(
                    stack, size, prefill_workers=args.prefill_workers, fill=not args.no_prefill
                )
            )
            for size in args.bulk
        ]
        rss = peak_rss_mib(stack)
        report(live, rounds, rss)


def report(live: Latencies, rounds: list[dict[str, object]], rss: dict[str, float]) -> None:
    results = {"payment_to_live": live.summary(), "bulk": rounds, "peak_rss_mib": rss}
    say()
    table(
        [{"measure": "payment recorded -> bot answers", **live.summary(), "target_p50_ms": 300}],
        ["measure", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms", "target_p50_ms"],
    )
    say()
    table(rounds, list(rounds[0]))
    say()
    table([rss], list(rss))
    say(f"\nwritten to {write_results('provisioning', results)}")


if __name__ == "__main__":
    main()
