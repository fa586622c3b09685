"""One chaos run: a private stack, load, faults, quiescence, invariants, a report.

Everything runs on infrastructure of its own: a private NATS, a private Redis (with an
append-only file, as a production Redis would keep) and a private Postgres cluster made with
initdb even when the machine's Postgres answers, because the run restarts all three. Booking
and notifier run as two replicas each. `run_chaos` returns a `ChaosReport`; its `ok` is False
when any invariant failed.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats

from bench.chaos.booking_checks import (
    confirmed_bookings,
    created_events,
    no_double_booking,
    owner_alerts,
    reminder_rows,
    replies,
    told_and_booked,
)
from bench.chaos.checks import Check, Stores
from bench.chaos.faults import FaultLog, Injector
from bench.chaos.journal import Journal
from bench.chaos.load import Load, LoadPlan, Tenant
from bench.chaos.platform_checks import (
    dead_letters,
    kv_matches_registry,
    nothing_stuck,
    paid_tenants,
)
from bench.chaos.setup import open_tenants, settle
from devstack.infra import LocalInfra, database_url, prepare_database
from devstack.stack import SERVICES, Stack, StackConfig
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient

Say = Callable[[str], None]


@dataclass(frozen=True)
class ChaosOptions:
    seconds: float = 600.0  # how long faults are spread over (the load runs as long)
    faults: int = 50
    customers: int = 3  # concurrent booking conversations
    tenants: int = 2  # businesses bought before the faults start
    signup_pause: float = 5.0
    step_timeout: float = 60.0  # a reply later than this stalls the conversation
    settle_seconds: float = 180.0  # the bound on waiting for quiescence
    warmup: float = 5.0
    seed: int | None = None


@dataclass
class ChaosReport:
    options: ChaosOptions
    faults: FaultLog
    journal: Journal
    checks: list[Check] = field(default_factory=list)
    settled: str = ""
    log_dir: Path = Path()

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{k} {n}" for k, n in self.faults.by_kind().items())
        broken = [f for f in self.faults.faults if f.error]
        booked = self.journal.count("booked")
        stalled = self.journal.stalled()
        full = sum(n for where, n in stalled.items() if where.startswith("no "))
        late = sum(stalled.values()) - full
        out = [
            f"faults: {len(self.faults.faults)} ({kinds}); {len(broken)} could not be undone;"
            f" processes that died on their own: {len(self.faults.self_deaths)}"
            + (f" {sorted(set(self.faults.self_deaths))}" if self.faults.self_deaths else ""),
            f"load: {len(self.journal.bookings)} booking conversations ({booked} booked,"
            f" {self.journal.count('refused')} refused), {len(self.journal.signups)} signups"
            f" ({self.journal.count('live')} told live), {late} stopped for want of an answer"
            f" in time, {full} found no free time (the calendar filled up),"
            f" {len(self.journal.actions)} actions",
            "stopped at: "
            + (", ".join(f"{where} {n}" for where, n in stalled.most_common(6)) or "nowhere"),
            f"quiescence: {self.settled}",
            "invariants:",
        ]
        for check in self.checks:
            out.append(f"  {check.line()}")
            out += [f"        e.g. {example}" for example in check.examples if not check.ok]
        failed = self.failed
        out.append(
            "RESULT: every invariant holds"
            if not failed
            else f"RESULT: {len(failed)} invariant(s) broken: " + "; ".join(c.name for c in failed)
        )
        out.append(f"logs: {self.log_dir}")
        return out


def run_chaos(options: ChaosOptions, *, log_dir: Path, say: Say) -> ChaosReport:
    seed = options.seed if options.seed is not None else random.randrange(10**6)
    say(f"• chaos run, seed {seed} (--seed {seed} draws the same faults)")
    rng = random.Random(seed)
    infra = LocalInfra()
    stack: Stack | None = None
    try:
        nats_url = infra.start_nats()
        redis_url = infra.start_redis(persist=True)
        server = infra.start_private_postgres()
        asyncio.run(_create_database(server, "bookbots_chaos"))
        owner_url = database_url(server, "bookbots_chaos")
        # every service as its own NATS user and Postgres login, as in production
        logins = prepare_database(owner_url)
        stack = Stack(
            StackConfig(
                nats_url=nats_url,
                nats_env={name: infra.nats_env(name) for name in SERVICES},
                redis_url=redis_url,
                database_url=owner_url,
                database_urls=logins,
                log_dir=log_dir,
                webhooks=True,
                flood_limits=False,
                replicas={"booking": 2, "notifier": 2},
                yookassa_retry_attempts=9,  # YooKassa retries for a day; 9 spans ~4 min here
                ready_timeout=180,  # seven services importing at once on a shared 2-core box
                extra_env={"NOTIFIER_POLL_SECONDS": "0.2"},
            )
        )
        say(f"• private NATS, Redis and Postgres up; starting the stack (logs in {log_dir})")
        stack.start_sandbox()
        stack.start_services()
        say(f"• processes: {', '.join(stack.service_instances())}")
        return asyncio.run(_drive(infra, stack, options, rng, say))
    finally:
        if stack is not None:
            stack.stop()
        infra.close()


async def _create_database(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drive(
    infra: LocalInfra, stack: Stack, options: ChaosOptions, rng: random.Random, say: Say
) -> ChaosReport:
    cfg = stack.config
    assert stack.bots is not None
    journal = Journal()
    async with (
        TelegramSandboxClient(cfg.url("telegram")) as telegram,
        YooKassaSandboxClient(cfg.url("yookassa")) as yookassa,
    ):
        say(f"• buying {options.tenants} businesses through the paid path")
        tenants: list[Tenant] = await open_tenants(stack, telegram, options.tenants)
        load = Load(
            telegram=telegram,
            yookassa=yookassa,
            tenants=tenants,
            sales_bot=stack.bots.sales_username,
            plan=LoadPlan(
                customers=options.customers,
                signup_pause=options.signup_pause,
                step_timeout=options.step_timeout,
                live_timeout=options.step_timeout * 1.5,
            ),
            journal=journal,
        )
        injector = Injector(infra, stack, rng=rng, say=say)
        say(f"• load on; {options.faults} faults over {options.seconds:.0f}s")
        running = asyncio.create_task(load.run())
        faults = await injector.run(
            count=options.faults, seconds=options.seconds, warmup=options.warmup
        )
        load.stop.set()
        say("• faults done; letting conversations under way finish")
        try:
            await asyncio.wait_for(running, options.step_timeout * 2)
        except TimeoutError:
            say("  (conversations still waiting were cut off; their last action is re-checked)")
        report = ChaosReport(options=options, faults=faults, journal=journal, log_dir=cfg.log_dir)
        started = time.monotonic()
        connection = await nats.connect(cfg.nats_url)
        pool = await asyncpg.create_pool(cfg.database_url, min_size=1, max_size=4)
        assert pool is not None
        try:
            waiting = await settle(
                connection.jetstream(), pool, cfg.url("telegram"), options.settle_seconds
            )
            spent = time.monotonic() - started
            report.settled = (
                f"settled in {spent:.0f}s"
                if not waiting
                else f"NOT settled after {spent:.0f}s: {waiting}"
            )
            await asyncio.to_thread(injector.supervise)
            say(f"• {report.settled}; checking invariants")
            stores = Stores(
                pool=pool,
                js=connection.jetstream(),
                telegram=telegram,
                yookassa=yookassa,
                journal=journal,
            )
            report.checks = await _checks(stores, stack.bots.sales_username)
        finally:
            await pool.close()
            await connection.close()
    return report


async def _checks(s: Stores, sales_bot: str) -> list[Check]:
    bookings = await confirmed_bookings(s.pool)
    return [
        await replies(s),
        await told_and_booked(s, bookings),
        no_double_booking(bookings),
        await created_events(s, bookings),
        await owner_alerts(s, bookings),
        await reminder_rows(s, bookings),
        await paid_tenants(s, sales_bot),
        await kv_matches_registry(s),
        *(await nothing_stuck(s)),
        await dead_letters(s),
    ]
