"""The booking conversation under load, through the whole running stack and the Telegram
emulator: what a user experiences end to end (`make bench-journey`; `make bench` measures the
product alone, `bench.product`).

    python -m bench.booking [--tenants 10,1000,10000] [--customers 64] [--seconds 60] [--rate 500]

For each tenant count T (tenants added to one stack through the real provisioning path, each
given a catalog), C simulated customers each pick a random tenant and drive the whole booking
conversation through the Telegram emulator, which delivers every update to the gateway's
webhook: /start, Записаться,
a service, a master, a day, a time, the name, the shared contact, Подтвердить (9 updates). The
latency of a step runs from the user's action leaving the emulator's control API to the bot's
reply (message or edit) being visible there. Two phases per T: as fast as the customers can go
(closed loop: updates/s), then paced at `--rate` updates/s (p99 under load). Prints a table and
writes `bench/results/booking-*.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.catalog import give_every_tenant_a_catalog
from bench.harness import (
    Latencies,
    bulk_tenants,
    current_rss_mib,
    peak_rss_mib,
    running_stack,
    say,
    table,
    write_results,
)
from devstack.stack import Stack
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage

Predicate = Callable[[ChatMessage], bool]


def has_button(prefix: str) -> Predicate:
    return lambda m: any(
        (b.callback_data or "").startswith(prefix) for row in m.buttons for b in row
    )


def says(fragment: str) -> Predicate:
    return lambda m: fragment in (m.text or "")


def pick(message: ChatMessage, prefix: str) -> str:
    """A random button of this kind; calendar days shown as `·8·` have no free time."""
    choices = [
        b.callback_data
        for row in message.buttons
        for b in row
        if b.callback_data and b.callback_data.startswith(prefix) and not b.text.startswith("·")
    ]
    return random.choice(choices)


class Pacer:
    """A shared token bucket: at most `rate` actions per second across all customers."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = time.perf_counter()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.perf_counter()
            self._next = max(self._next + self._interval, now)
            delay = self._next - now
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass
class Run:
    latencies: Latencies
    updates: int = 0
    bookings: int = 0
    failures: int = 0
    updates_per_second: float = 0.0


class Customer:
    def __init__(self, telegram: TelegramSandboxClient, bot: str, user_id: int) -> None:
        self.telegram = telegram
        self.bot = bot
        self.id = user_id
        self.seen_id = 0
        self.seen_version = 0

    async def step(
        self, run: Run, pacer: Pacer, action: Callable[[], Awaitable[object]], until: Predicate
    ) -> ChatMessage:
        """Do one user action and wait until the bot shows what answers it."""
        await pacer.wait()
        started = time.perf_counter()
        await action()
        run.updates += 1
        while True:
            found = await self.telegram.wait_for_message(
                self.bot, self.id, self.seen_id, 20, after_version=self.seen_version
            )
            self.seen_id = max([self.seen_id, *(m.message_id for m in found)])
            self.seen_version = max([self.seen_version, *(m.version for m in found)])
            hits = [m for m in found if until(m)]
            if hits:
                run.latencies.add(time.perf_counter() - started)
                return hits[-1]

    def _press(self, message: ChatMessage, prefix: str) -> Callable[[], Awaitable[object]]:
        return lambda: self.telegram.press(
            self.bot, self.id, message.message_id, pick(message, prefix)
        )

    async def book(self, run: Run, pacer: Pacer) -> None:
        tg, bot, me = self.telegram, self.bot, self.id
        menu = await self.step(
            run, pacer, lambda: tg.send_text(bot, me, "/start"), has_button("menu:book")
        )
        services = await self.step(run, pacer, self._press(menu, "menu:book"), has_button("bs:"))
        masters = await self.step(run, pacer, self._press(services, "bs:"), has_button("bm:"))
        month = await self.step(run, pacer, self._press(masters, "bm:"), has_button("bd:"))
        times = await self.step(run, pacer, self._press(month, "bd:"), has_button("bt:"))
        await self.step(run, pacer, self._press(times, "bt:"), says("зовут"))
        await self.step(run, pacer, lambda: tg.send_text(bot, me, "Гость"), says("телефон"))
        phone = f"+7900{me % 10_000_000:07d}"
        summary = await self.step(
            run, pacer, lambda: tg.share_contact(bot, me, phone), has_button("bk:")
        )
        done = await self.step(
            run, pacer, self._press(summary, "bk:"), lambda m: not has_button("bk:")(m)
        )
        if "вы записаны" in (done.text or ""):
            run.bookings += 1


async def load(
    stack: Stack, bots: list[str], *, customers: int, seconds: float, rate: float | None
) -> Run:
    run = Run(latencies=Latencies())
    pacer = Pacer(rate)
    deadline = time.perf_counter() + seconds
    next_user = iter(range(50_000_000 + random.randint(0, 10**6) * 100, 2**31))

    async with TelegramSandboxClient(stack.config.url("telegram")) as telegram:

        async def customer_loop() -> None:
            while time.perf_counter() < deadline:
                customer = Customer(telegram, random.choice(bots), next(next_user))
                try:
                    await customer.book(run, pacer)
                except (TimeoutError, IndexError):
                    run.failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(customer_loop() for _ in range(customers)))
        elapsed = time.perf_counter() - started
    run.updates_per_second = run.updates / elapsed
    return run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.booking", description=__doc__)
    parser.add_argument("--tenants", default="10,1000,10000")
    parser.add_argument("--customers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=500)
    args = parser.parse_args()
    counts = sorted(int(t) for t in args.tenants.split(","))
    rows: list[dict[str, object]] = []
    with running_stack("booking", webhooks=True) as stack:
        made = 0
        for count in counts:
            say(f"• {count} tenants: creating {count - made} more through provisioning")
            asyncio.run(bulk_tenants(stack, count - made, prefix=f"b{made}t"))
            asyncio.run(give_every_tenant_a_catalog(stack.config.database_url))
            bots = [
                f"b{start}t{i:05d}_bot" for start, n in _batches(counts, count) for i in range(n)
            ]
            made = count
            for phase, rate in (("max", None), ("paced", args.rate)):
                say(f"  {phase}: {args.customers} customers for {args.seconds:.0f}s")
                run = asyncio.run(
                    load(stack, bots, customers=args.customers, seconds=args.seconds, rate=rate)
                )
                rows.append(
                    {
                        "tenants": count,
                        "phase": phase if rate is None else f"{rate:.0f}/s",
                        "updates_per_s": round(run.updates_per_second, 1),
                        "bookings": run.bookings,
                        "failures": run.failures,
                        **run.latencies.summary(),
                        **{f"rss_{k}": v for k, v in current_rss_mib(stack).items()},
                    }
                )
                say(f"    {rows[-1]}")
        peaks = peak_rss_mib(stack)
    say()
    table(
        rows,
        [
            "tenants",
            "phase",
            "updates_per_s",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "bookings",
            "failures",
            "rss_gateway",
            "rss_booking",
            "rss_billing",
            "rss_provisioner",
            "rss_notifier",
        ],
    )
    say(f"peak RSS MiB: {peaks}")
    say(f"written to {write_results('booking', {'runs': rows, 'peak_rss_mib': peaks})}")


def _batches(counts: list[int], upto: int) -> list[tuple[int, int]]:
    """(prefix start, how many) of each creation batch up to `upto` tenants."""
    batches, made = [], 0
    for count in counts:
        if count > upto:
            break
        batches.append((made, count - made))
        made = count
    return batches


if __name__ == "__main__":
    main()
