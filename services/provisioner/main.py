"""The provisioner's app factory: consumers, the lifecycle sweeper, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar

from services.provisioner.adapters.bot_identity import TelegramBotIdentity
from services.provisioner.adapters.bot_setup import TelegramBotSetup
from services.provisioner.adapters.console_pg import PgConsoleStore
from services.provisioner.adapters.export import PgTenantExporter
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.adapters.sealed_tokens_pg import PgSealedTokens
from services.provisioner.bot import OpsDeps, TelegramTenantBots, build_ops_dispatcher
from services.provisioner.config import ProvisionerSettings
from services.provisioner.subscribers import SERVICE, ops_router, provisioning_router
from services.provisioner.use_cases import (
    Console,
    Lifecycle,
    ManualTenants,
    Provisioning,
    SecretRotation,
)
from shared.bus import RetryPolicy, tenants_bucket
from shared.crypto import Sealer
from shared.http import ops_router as health_router
from shared.i18n import Catalog
from shared.metrics import Metrics
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.runtime import Runtime, open_runtime
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
LOCALES = Path(__file__).parent / "locales"


@dataclass(frozen=True, slots=True)
class UseCases:
    provisioning: Provisioning
    lifecycle: Lifecycle
    console: Console
    manual: ManualTenants
    rotation: SecretRotation


async def compose(
    settings: ProvisionerSettings, runtime: Runtime, bots: Bots, sealer: Sealer
) -> UseCases:
    """The provisioner's use cases over their adapters (shared by the service and the CLI)."""
    pool = runtime.require_pool()
    tenant_migrations = shared_migrations("tenant")
    directory = TenantDirectory(await tenants_bucket(runtime.js))
    registry = PgTenantRegistry(pool, tenant_migrations)
    bot_setup = TelegramBotSetup(bots, sealer, gateway_public_url=settings.gateway_public_url)
    store = PgConsoleStore(pool, tenant_migrations)
    provisioning = Provisioning(
        registry=registry,
        bots=bot_setup,
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
    console = Console(
        store=store,
        registry=registry,
        provisioning=provisioning,
        lifecycle=lifecycle,
        directory=directory,
        bots=TelegramTenantBots(bots, sealer),
        exporter=PgTenantExporter(pool),
        events=runtime.publisher,
        clock=runtime.clock,
    )
    manual = ManualTenants(
        provisioning=provisioning,
        identities=TelegramBotIdentity(bots),
        registry=registry,
        store=store,
        sealer=sealer,
        clock=runtime.clock,
    )
    rotation = SecretRotation(
        tokens=PgSealedTokens(pool),
        directory=directory,
        bots=bot_setup,
        store=store,
        sealer=sealer,
    )
    return UseCases(
        provisioning=provisioning,
        lifecycle=lifecycle,
        console=console,
        manual=manual,
        rotation=rotation,
    )


async def run_sweeper(lifecycle: Lifecycle, every_seconds: int) -> None:
    while True:
        try:
            report = await lifecycle.sweep()
            if report.warned or report.grace or report.suspended:
                log.info("lifecycle sweep: %s", report)
        except Exception:  # a failed sweep is retried on the next tick
            log.exception("lifecycle sweep failed")
        await asyncio.sleep(every_seconds)


def create_app(settings: ProvisionerSettings) -> Litestar:
    metrics = Metrics(SERVICE)
    sealer = Sealer(settings.secrets.key, settings.secrets.previous)
    texts = Catalog.load(LOCALES)

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
            bots = Bots(make_session(settings.telegram))
            use = await compose(settings, runtime, bots, sealer)
            runtime.broker.include_router(
                provisioning_router(
                    use.provisioning,
                    runtime.publisher,
                    metrics,
                    RetryPolicy(),
                    concurrency=settings.concurrency,
                )
            )
            if settings.ops_bot_token:
                if not settings.operator_ids:
                    log.warning("OPERATOR_IDS is empty: the operator's bot will refuse everyone")
                runtime.broker.include_router(
                    ops_router(
                        dispatcher=build_ops_dispatcher(),
                        bot=bots.get(settings.ops_bot_token),
                        deps=OpsDeps(
                            console=use.console,
                            texts=texts,
                            operator_ids=frozenset(settings.operator_ids),
                        ),
                        publisher=runtime.publisher,
                        metrics=metrics,
                        policy=RetryPolicy(max_deliver=4, backoff_seconds=(0.5, 2.0, 5.0)),
                    )
                )
            else:
                log.info("OPS_BOT_TOKEN is empty: the operator's bot is off")
            app.register(health_router(metrics=metrics, checks=runtime.readiness()))
            await runtime.broker.start()
            runtime.background(
                run_sweeper(use.lifecycle, settings.lifecycle.sweep_seconds), "lifecycle"
            )
            try:
                yield
            finally:
                await bots.close()

    return Litestar(route_handlers=[], lifespan=[lifespan])
