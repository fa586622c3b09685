"""Booking's app factory: the tenant-updates consumer and its dispatcher, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from litestar import Litestar

from services.booking.bot import build_dispatcher, fsm_keys
from services.booking.config import BookingSettings
from services.booking.context import BookingDeps, PrepayDeps
from services.booking.subscribers import (
    SERVICE,
    outcomes_router,
    prepay_router,
    turn_reads,
    update_handler,
    updates_puller,
)
from services.booking.tenant_bots import TenantBots
from shared.advisories import count_max_deliveries
from shared.bot_session import make_json_session
from shared.bus import RetryPolicy, ensure_consumers, tenants_bucket
from shared.crypto import Sealer
from shared.http import ops_router
from shared.i18n import Catalog
from shared.metrics import Metrics
from shared.metrics_probes import watch_bus
from shared.outbox import Relay, migrate_outbox
from shared.runner import freeze_heap
from shared.runtime import Runtime, open_runtime
from shared.subjects import BOOKING_OUTCOMES, BOOKING_PREPAY, BOOKING_UPDATES, STREAM_BOOKING
from shared.telegram import Bots
from shared.yookassa_shop import ShopApi

log = logging.getLogger(__name__)
LOCALES = Path(__file__).parent / "locales"
FETCH_BATCH = 32  # updates fetched at once (never more than free workers)


async def relay_other_servers(runtime: Runtime) -> None:
    """Booking's events are written to the outbox of the server that holds the tenant: one
    relay per further database server, in the background (a server that is down at start
    delays its own relay only)."""
    servers = runtime.require_servers()
    for name in servers.names()[1:]:
        runtime.background(relay_on(runtime, name), f"outbox:{name}")


async def relay_on(runtime: Runtime, server: str, retry_seconds: float = 5.0) -> None:
    servers = runtime.require_servers()
    while True:
        try:
            pool = await servers.pool(server)
            await migrate_outbox(pool)
            break
        except (OSError, TimeoutError, asyncpg.PostgresError):
            log.warning("database server %s is unavailable; its outbox relay waits", server)
            await asyncio.sleep(retry_seconds)
    await Relay(pool, runtime.publisher, stream=STREAM_BOOKING).run()


def create_app(settings: BookingSettings) -> Litestar:
    metrics = Metrics(SERVICE)
    sealer = Sealer(settings.secrets.key, settings.secrets.previous)
    texts = Catalog.load(LOCALES)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # aiogram logs every handled update at INFO: a JSON line per update on the hot path
        # (our own lines carry tenant and update id where something happens)
        logging.getLogger("aiogram.event").setLevel(logging.WARNING)
        async with open_runtime(
            SERVICE,
            nats=settings.nats,
            postgres=settings.postgres,
            redis=settings.redis,
            controllable_clock=settings.controllable_clock,
        ) as runtime:
            await migrate_outbox(runtime.require_pool())
            shop_api = ShopApi(settings.yookassa_api_url)
            deps = BookingDeps(
                pool=runtime.require_pool(),
                publisher=runtime.publisher,
                clock=runtime.clock,
                texts=texts,
                servers=runtime.require_servers(),
                prepay=PrepayDeps(
                    checker=shop_api,
                    sealer=sealer,
                    webhook_base_url=settings.billing_public_url,
                ),
            )
            bots = Bots(make_json_session(settings.telegram))
            tenant_bots = TenantBots(await tenants_bucket(runtime.js), bots, sealer)
            runtime.background(tenant_bots.run(runtime.broker.connection), "tenant-watch")
            policy = RetryPolicy.interactive(settings.retry.interactive_max_age_seconds)
            dispatcher = build_dispatcher(runtime.require_redis())
            handler = update_handler(
                dispatcher=dispatcher,
                deps=deps,
                tenants=tenant_bots,
                publisher=runtime.publisher,
                metrics=metrics,
                policy=policy,
            )
            puller = updates_puller(
                runtime.js,
                runtime.require_redis(),
                handler,
                workers=settings.max_concurrency,
                batch=FETCH_BATCH,
                reads=turn_reads(tenant_bots.bot_id, fsm_keys(dispatcher)),
            )
            await count_max_deliveries(runtime.broker, SERVICE, metrics)
            watch_bus(metrics, runtime.js, SERVICE)
            app.register(ops_router(metrics=metrics, checks=runtime.readiness()))
            lasting = RetryPolicy.lasting()
            runtime.broker.include_router(
                prepay_router(
                    deps=deps,
                    tenants=tenant_bots,
                    publisher=runtime.publisher,
                    metrics=metrics,
                    policy=lasting,
                )
            )

            async def pool_of(tenant_id: str) -> asyncpg.Pool | None:
                found = await tenant_bots.get(tenant_id)
                return None if found is None else deps.tenant_pool(found.config.db_server)

            runtime.broker.include_router(
                outcomes_router(
                    pool_of=pool_of,
                    publisher=runtime.publisher,
                    metrics=metrics,
                    policy=lasting,
                )
            )
            await ensure_consumers(
                runtime.js,
                [(BOOKING_UPDATES, policy), (BOOKING_PREPAY, lasting), (BOOKING_OUTCOMES, lasting)],
            )
            await runtime.broker.start()
            relay = Relay(runtime.require_pool(), runtime.publisher, stream=STREAM_BOOKING)
            runtime.background(relay.run(), "outbox")
            await relay_other_servers(runtime)
            puller.start()
            freeze_heap()  # after everything long-lived is built
            try:
                yield
            finally:
                await puller.stop()
                await bots.close()
                await shop_api.aclose()

    return Litestar(route_handlers=[], lifespan=[lifespan])
