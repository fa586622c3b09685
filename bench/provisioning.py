"""Provisioning figures: payment recorded -> the new bot answering, and bulk tenant creation.

    python -m bench.provisioning [--samples 30] [--bulk 1000 10000] [--no-prefill]

The product alone (`bench.sinkstack`): the five services on a private Postgres cluster (its
own database, removed afterwards with every tenant and role in it), private NATS and Redis,
and the Bot API sink instead of the Telegram emulator, so the CPU measured is the
provisioner's, Postgres's and NATS's, not an emulator's.

Tenant schemas come from the provisioner's pool of spares (SPARE_POOL_SIZE, topped up in the
background) and are created directly when it is empty. Before each bulk size the pool is
filled with that many spares, as it would be between sales; the rate at which spares are made
is printed per 1,000 (it must not fall as schemas accumulate), with Postgres's CPU per spare.
`--no-prefill` measures the provisioner with only its own pool (made while it sells).

Latency: `payment.succeeded` is published as billing publishes it once the payment is
recorded (t0 = its JetStream ack); when the bot's `setWebhook` reaches the sink a customer's
/start is posted to that webhook at once (Telegram holds updates until the webhook is set);
t1 is when the bot's answer reaches the sink.
Bulk: N `payment.succeeded` events until N `tenant.provisioned` events; the rate per 500 and
the CPU milliseconds per tenant of each process (load does not distort those much).
Targets: 10,000 tenants in <= 10 min, payment -> live p50 <= 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats

from bench.conversation import Conversation, Load, Replies, client_session
from bench.harness import BotSpec, Latencies, provision, say, table, write_results
from bench.procstat import Group, cpu_ms_per, cpu_snapshot
from bench.sinkstack import SINK_FIRST_BOT_ID, SinkStack, Tenant, sink_stack
from services.provisioner.adapters.spares_pg import PgSpareSchemas
from shared.crypto import Sealer
from shared.messages import PaymentSucceeded, Signup, encode
from shared.migrate import shared_migrations
from shared.settings import Secret
from shared.subjects import PAYMENT_SUCCEEDED

TARGET_10K_MINUTES = 10
TARGET_P50_MS = 300
CPU_GROUPS = ("provisioner", "postgres", "nats", "gateway", "booking", "sink")
LIVE_BOT_ID = SINK_FIRST_BOT_ID - 1_000_000


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def payment(bot: BotSpec, sealer: Sealer) -> PaymentSucceeded:
    return PaymentSucceeded(
        payment_id=f"bench-{bot.username}",
        purpose="new",
        plan_code="m1",
        period_days=30,
        amount_kopecks=29900,
        currency="RUB",
        paid_at=datetime.now(UTC),
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
    )


async def payment_to_live(bench: SinkStack, samples: int) -> Latencies:
    """`samples` purchases one after another: payment published -> the bot's first answer."""
    cfg = bench.stack.config
    sealer = Sealer(Secret(cfg.platform_secret))
    latencies = Latencies()
    connection = await nats.connect(cfg.nats_url)
    js = connection.jetstream()
    async with client_session() as session:
        replies = Replies()
        reader = asyncio.create_task(replies.read(session, bench.sink_url))
        talk = Load(session, replies, [])
        try:
            for i in range(samples):
                bot_id = LIVE_BOT_ID + i
                bot = BotSpec(bot_id, f"live{bot_id}_bot", f"{bot_id}:{secrets.token_urlsafe(26)}")
                hooked = replies.expect(bot_id, 0, lambda _: True)
                await js.publish(
                    PAYMENT_SUCCEEDED,
                    encode(payment(bot, sealer)),
                    headers={"Nats-Msg-Id": f"bench:{bot.username}"},
                )
                recorded = time.monotonic()
                hook = await asyncio.wait_for(hooked, 60)
                replies.forget(bot_id, 0)
                tenant = Tenant(bot.username, bot_id, hook.text, hook.reply_markup)
                chat = Conversation(talk, tenant, 800_000 + i)
                answer = await chat.step(chat.text("/start"), lambda _: True)
                latencies.add(answer.arrived - recorded)
        finally:
            reader.cancel()
            await connection.close()
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


async def prefill(bench: SinkStack, count: int, workers: int, per: int) -> list[dict[str, Any]]:
    """`count` more spares, `workers` transactions at a time of `per` spares each, as the
    provisioner's keeper makes them; the rate and Postgres's CPU per spare for each 1,000."""
    url = bench.stack.config.database_url
    pool = await asyncpg.create_pool(url, min_size=1, max_size=workers)
    assert pool is not None
    spares = PgSpareSchemas(pool, shared_migrations("tenant"))
    existing = await pool_size(url)
    groups = [g for g in bench.groups() if g.name == "postgres"]
    trend: list[dict[str, Any]] = []
    made = 0
    try:
        while made < count:
            chunk = min(1000, count - made)
            cpu, started = cpu_snapshot(groups), time.perf_counter()
            done = 0
            while done < chunk:
                sizes: list[int] = []
                for _ in range(workers):
                    sizes.append(min(per, chunk - done - sum(sizes)))
                await asyncio.gather(*(spares.make(n) for n in sizes if n > 0))
                done += sum(sizes)
            seconds = time.perf_counter() - started
            spent = cpu_ms_per(cpu, cpu_snapshot(groups), chunk)
            made += chunk
            trend.append(
                {
                    "schemas_before": existing + made - chunk,
                    "spares": chunk,
                    "seconds": round(seconds, 1),
                    "spares_per_s": round(chunk / seconds, 1),
                    "pg_cpu_ms_per_spare": spent.get("postgres"),
                    "load": load(),
                }
            )
            say(f"  ... {made}/{count} spares: {trend[-1]}")
    finally:
        await pool.close()
    return trend


@dataclass
class Trend:
    """The rate and CPU per tenant of each stretch of a bulk run (every 500 tenants live)."""

    groups: list[Group]
    rows: list[dict[str, Any]] = field(default_factory=list)
    live: int = 0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cpu = cpu_snapshot(self.groups)

    def __call__(self, live: int, seconds: float) -> None:
        cpu = cpu_snapshot(self.groups)
        spent = cpu_ms_per(self.cpu, cpu, live - self.live)
        self.rows.append(
            {
                "live": live,
                "per_s": round((live - self.live) / max(seconds - self.seconds, 1e-3), 1),
                "prov_cpu_ms": spent["provisioner"],
                "pg_cpu_ms": spent["postgres"],
                "nats_cpu_ms": spent["nats"],
                "load": load(),
            }
        )
        self.live, self.seconds, self.cpu = live, seconds, cpu


async def bulk_round(
    bench: SinkStack, size: int, *, workers: int, per: int, fill: bool
) -> dict[str, Any]:
    url = bench.stack.config.database_url
    spares: list[dict[str, Any]] = []
    if fill:
        say(f"• filling the spare pool with {size} schemas, {workers} x {per} per transaction")
        spares = await prefill(bench, size, workers, per)
    before = await pool_size(url)
    say(f"• bulk creation of {size} tenants (pool holds {before}), load {load()}")
    groups = [g for g in bench.groups() if g.name in CPU_GROUPS]
    first = SINK_FIRST_BOT_ID + len(bench.tenants)
    bots = [
        BotSpec(first + i, f"bulk{first + i}_bot", f"{first + i}:{secrets.token_urlsafe(26)}")
        for i in range(size)
    ]
    trend = Trend(groups)
    started = cpu_snapshot(groups)
    seconds = await provision(bench.stack, bots, progress=trend)
    per_tenant = cpu_ms_per(started, cpu_snapshot(groups), size)
    bench.tenants += [Tenant(b.username, b.id, "", "") for b in bots]
    if trend.rows:
        say()
        table(trend.rows, list(trend.rows[0]))
    return {
        "tenants": size,
        "pool_before": before,
        "pool_after": await pool_size(url),
        "seconds": round(seconds, 1),
        "tenants_per_s": round(size / seconds, 1),
        "projected_10k_min": round(seconds / size * 10_000 / 60, 1),
        "target_10k_min": TARGET_10K_MINUTES,
        **{f"cpu_ms_{name}": ms for name, ms in per_tenant.items()},
        **with_spares(size, seconds, per_tenant, spares),
        "load": load(),
        "trend": trend.rows,
        "spares": spares,
    }


def with_spares(
    size: int, seconds: float, per_tenant: dict[str, float], spares: list[dict[str, Any]]
) -> dict[str, Any]:
    """The honest whole: a tenant is a spare made plus a spare claimed. Wall seconds of making
    the spares (before timing) and of the bulk together, and the CPU of both per tenant, with
    what that CPU means on two idle cores (this machine's, without the other sessions)."""
    if not spares:  # made while selling: already inside `seconds` and the CPU above
        return {"spares_before_timing_s": 0.0}
    made = sum(int(s["spares"]) for s in spares)
    spare_seconds = sum(float(s["seconds"]) for s in spares)
    spare_pg_ms = sum(float(s["pg_cpu_ms_per_spare"]) * int(s["spares"]) for s in spares) / made
    cpu_ms = sum(per_tenant.values()) + spare_pg_ms * made / size
    return {
        "spares_before_timing_s": round(spare_seconds, 1),
        "seconds_with_spares": round(spare_seconds + seconds, 1),
        "per_s_with_spares": round(size / (spare_seconds + seconds), 1),
        "cpu_ms_per_tenant_with_spare": round(cpu_ms, 1),
        "two_idle_cores_10k_min": round(cpu_ms * 10_000 / 2 / 1000 / 60, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.provisioning", description=__doc__)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--bulk", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--pool", type=int, default=40, help="the provisioner's SPARE_POOL_SIZE")
    parser.add_argument("--prefill-workers", type=int, default=2)
    parser.add_argument("--prefill-per", type=int, default=10, help="spares per transaction")
    parser.add_argument("--no-prefill", action="store_true")
    args = parser.parse_args()
    env = {"SPARE_POOL_SIZE": str(args.pool), "SPARE_POOL_CHECK_SECONDS": "1"}
    say(f"load: {load()}")
    with sink_stack("prov", extra_env=env) as bench:
        url = bench.stack.config.database_url
        say(f"• waiting for the provisioner's pool of {args.pool} spares")
        asyncio.run(wait_for_pool(url, min(args.pool, args.samples), 600))
        say(f"• payment published -> bot answering, {args.samples} sequential purchases")
        live = asyncio.run(payment_to_live(bench, args.samples))
        rounds = [
            asyncio.run(
                bulk_round(
                    bench,
                    size,
                    workers=args.prefill_workers,
                    per=args.prefill_per,
                    fill=not args.no_prefill,
                )
            )
            for size in args.bulk
        ]
        rss = bench.rss()
        report(live, rounds, rss)


def report(live: Latencies, rounds: list[dict[str, Any]], rss: dict[str, float]) -> None:
    results = {"payment_to_live": live.summary(), "bulk": rounds, "rss_mib": rss, "load": load()}
    say()
    table(
        [
            {
                "measure": "payment published -> bot answers",
                **live.summary(),
                "target_p50_ms": TARGET_P50_MS,
            }
        ],
        ["measure", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms", "target_p50_ms"],
    )
    say()
    for r in rounds:
        line = f"{r['tenants']} tenants: {r['seconds']} s from a pool filled before timing"
        if r["spares_before_timing_s"]:
            line += (
                f"; making those spares took {r['spares_before_timing_s']} s before it:"
                f" {r['seconds_with_spares']} s in all ({r['per_s_with_spares']}/s),"
                f" {r['cpu_ms_per_tenant_with_spare']} ms CPU per tenant with its spare"
                f" (≈ {r['two_idle_cores_10k_min']} min for 10,000 on two idle cores)"
            )
        say(line + f"; target {TARGET_10K_MINUTES} min for 10,000")
    say()
    flat = [{k: v for k, v in r.items() if k not in {"trend", "spares"}} for r in rounds]
    for row, full in zip(flat, rounds, strict=True):
        made = full["spares"]
        if made:
            row["spares_per_s"] = [m["spares_per_s"] for m in made]
            row["pg_ms_per_spare"] = [m["pg_cpu_ms_per_spare"] for m in made]
    table(flat, list(flat[0]))
    say()
    table([rss], list(rss))
    say(f"\nwritten to {write_results('provisioning', results)}")


if __name__ == "__main__":
    main()
