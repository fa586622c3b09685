"""The provisioner's app factory: consumers, the lifecycle sweeper, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Litestar

from services.provisioner.adapters.bot_setup import TelegramBotSetup
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.config import ProvisionerSettings
from services.provisioner.subscribers import SERVICE, provisioning_router
from services.provisioner.use_cases import Lifecycle, Provisioning
from shared.bus import RetryPolicy, tenants_bucket
from shared.crypto import Sealer
from shared.http import ops_router
from shared.metrics import Metrics
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.runtime import open_runtime
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


async def run_sweeper(lifecycle: Lifecycle, every_seconds: int) -> None:
    while True:
        try:
            report = await lifecycle.sweep()
            if report.warned or report.grace or report.suspended:
                log.info("lifecycle sweep: %s", report)
        except Exception:  # noqa: BLE001 - a failed sweep is retried on the next tick
            log.exception("lifecycle sweep failed")
        await asyncio.sleep(every_seconds)


def create_app(settings: ProvisionerSettings) -> Litestar:
    metrics = Metrics(SERVICE)
    sealer = Sealer(settings.secrets.key)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_runtime(
            SERVICE,
            nats=settings.nats,
            postgres=settings.postgres,
            controllable_clock=settings.controllable_clock,
        ) as runtime:
            pool = runtime.require_pool()
            await ensure_extensions(pool)
            await migrate_schema(pool, "platform", load_migrations(MIGRATIONS))
            directory = TenantDirectory(await tenants_bucket(runtime.js))
            registry = PgTenantRegistry(pool, shared_migrations("tenant"))
            bots = Bots(make_session(settings.telegram))
            provisioning = Provisioning(
                registry=registry,
                bots=TelegramBotSetup(bots, sealer, gateway_public_url=settings.gateway_public_url),
                directory=directory,
                events=runtime.publisher,
                sealer=sealer,
                clock=runtime.clock,
                delivery="webhook" if settings.gateway_public_url else "polling",
            )
            lifecycle = Lifecycle(
                registry=registry,
                directory=directory,
                events=runtime.publisher,
                clock=runtime.clock,
                warn_days=settings.lifecycle.warn_days,
                grace_days=settings.lifecycle.grace_days,
            )
            runtime.broker.include_router(
                provisioning_router(provisioning, runtime.publisher, metrics, RetryPolicy())
            )
            app.register(ops_router(metrics=metrics, checks=runtime.readiness()))
            await runtime.broker.start()
            runtime.background(
                run_sweeper(lifecycle, settings.lifecycle.sweep_seconds), "lifecycle"
            )
            try:
                yield
            finally:
                await bots.close()

    return Litestar(route_handlers=[], lifespan=[lifespan])
