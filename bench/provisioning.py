"""Provisioning figures: payment recorded -> the new bot answering, and bulk tenant creation.

    python -m bench.provisioning [--samples 30] [--bulk 10000]

Latency: a buyer's payment is created by billing in the YooKassa emulator and paid; the
emulator posts the notification and billing answers 200 once it recorded and published it
(t0). A customer's /start is sent to the new bot at once (Telegram queues it until the webhook
is set); t1 is when the bot's answer reaches the emulator.
Bulk: N `payment.succeeded` events (bots made in the emulator first) until N
`tenant.provisioned` events.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.provisioning", description=__doc__)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--bulk", type=int, default=10_000)
    args = parser.parse_args()
    with running_stack("prov") as stack:
        say(f"• payment recorded -> bot answering, {args.samples} sequential purchases")
        live = asyncio.run(payment_to_live(stack, args.samples))
        say(f"• bulk creation of {args.bulk} tenants through provisioning")
        bulk_seconds = asyncio.run(bulk_tenants(stack, args.bulk, prefix="bench"))
        rss = peak_rss_mib(stack)
    bulk = {
        "tenants": args.bulk,
        "seconds": round(bulk_seconds, 1),
        "tenants_per_second": round(args.bulk / bulk_seconds, 1),
        "projected_10k_minutes": round(bulk_seconds / args.bulk * 10_000 / 60, 1),
    }
    results = {"payment_to_live": live.summary(), "bulk": bulk, "peak_rss_mib": rss}
    say()
    table(
        [{"measure": "payment recorded -> bot answers", **live.summary()}],
        ["measure", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms"],
    )
    say()
    table([bulk], ["tenants", "seconds", "tenants_per_second", "projected_10k_minutes"])
    say()
    table([rss], list(rss))
    say(f"\nwritten to {write_results('provisioning', results)}")


if __name__ == "__main__":
    main()
