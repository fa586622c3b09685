"""Fuzz fixtures: the Telegram and YooKassa emulators, the booking tenant and the sales bot,
built once per session on the run's real NATS, Postgres and Redis; and the summary line
(`fuzz: updates tried=… callbacks tried=… unhandled errors=… dead letters=…`) at the end."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.testing import running_sandbox as running_telegram
from sandbox.yookassa.testing import running_sandbox as running_yookassa
from shared.bus import Publisher, make_broker, open_bus
from shared.settings import TelegramSettings
from shared.telegram import Bots, make_session
from tests.fuzz.booking_world import BookingWorld, open_booking_world
from tests.fuzz.harness import Counts
from tests.fuzz.profile import MAX_MINUTES, PROFILE
from tests.fuzz.sales_world import SHOP_ID, SHOP_SECRET, SalesWorld, open_sales_world

COUNTS = Counts()
STARTED = time.monotonic()


@pytest.fixture(scope="session")
def counts() -> Counts:
    return COUNTS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Fuzz rounds interleaved (round 0 of every test, then round 1, ...), so a run cut short
    by `FUZZ_MAX_MINUTES` has tried every kind of input; other tests keep their places."""
    places = [i for i, item in enumerate(items) if item.get_closest_marker("fuzz")]

    def round_of(item: pytest.Item) -> int:
        callspec = getattr(item, "callspec", None)
        return int(callspec.params.get("round_", 0)) if callspec else 0

    for place, item in zip(places, sorted((items[i] for i in places), key=round_of), strict=True):
        items[place] = item


def pytest_runtest_setup(item: pytest.Item) -> None:
    spent = (time.monotonic() - STARTED) / 60
    if item.get_closest_marker("fuzz") and MAX_MINUTES and spent > MAX_MINUTES:
        pytest.skip(f"FUZZ_MAX_MINUTES={MAX_MINUTES:g} spent")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if COUNTS.updates or COUNTS.callbacks or COUNTS.http_posts:
        terminalreporter.write_line(f"{COUNTS.line()} [profile {PROFILE}]")


class Worlds:
    """The session's booking tenant and sales bot (a plain class: Hypothesis prints it in
    a failing case, and its repr stays one line)."""

    def __init__(self, booking: BookingWorld, sales: SalesWorld) -> None:
        self.booking = booking
        self.sales = sales

    def __repr__(self) -> str:
        return f"Worlds(tenant={self.booking.tenant.tenant_id})"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def worlds(infra: LocalInfra, pg_pool: asyncpg.Pool) -> AsyncIterator[Worlds]:
    async with contextlib.AsyncExitStack() as exits:
        base_url = await exits.enter_async_context(running_telegram(flood_limits=False))
        yookassa_url = await exits.enter_async_context(running_yookassa({SHOP_ID: SHOP_SECRET}))
        client = await exits.enter_async_context(TelegramSandboxClient(base_url))
        http = await exits.enter_async_context(httpx.AsyncClient(timeout=30))
        session = make_session(TelegramSettings(api_base=base_url))
        bots = Bots(session)
        exits.push_async_callback(bots.close)
        broker = make_broker(infra.nats_url, "fuzz")
        await open_bus(broker)
        exits.push_async_callback(broker.stop)
        redis = Redis.from_url(infra.redis_url)
        exits.push_async_callback(redis.aclose)
        publisher = Publisher(broker)
        common = {
            "counts": COUNTS,
            "client": client,
            "base_url": base_url,
            "http": http,
            "bots": bots,
            "redis": redis,
            "publisher": publisher,
            "pool": pg_pool,
        }
        booking = await open_booking_world(**common)  # type: ignore[arg-type]
        exits.push_async_callback(booking.snapshot.drop, pg_pool)
        sales = await open_sales_world(
            yookassa_url=yookassa_url,
            session=session,
            **common,  # type: ignore[arg-type]
        )
        yield Worlds(booking=booking, sales=sales)
