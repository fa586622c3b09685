"""The provisioner's app factory: consumers, the lifecycle sweeper, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar

from services.provisioner.adapters.announcements_pg import PgAnnouncements
from services.provisioner.adapters.backup_files import FileBackupStore
from services.provisioner.adapters.bot_identity import TelegramBotIdentity
from services.provisioner.adapters.bot_setup import TelegramBotSetup
from services.provisioner.adapters.console_pg import PgConsoleStore
from services.provisioner.adapters.export import PgTenantExporter
from services.provisioner.adapters.metrics_pg import watch_tenants
from services.provisioner.adapters.refunds_pg import PgRefunds
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.adapters.sealed_tokens_pg import PgSealedTokens
from services.provisioner.adapters.shop_keys_pg import PgShopKeys
from services.provisioner.adapters.spares_pg import PgSpareSchemas
from services.provisioner.adapters.zones_pg import PgZones
from services.provisioner.bot import OpsDeps, TelegramTenantBots, build_ops_dispatcher
from services.provisioner.config import ProvisionerSettings
from services.provisioner.subscribers import (
    SERVICE,
    ops_router,
    provisioning_router,
    refunds_router,
    rezoning_router,
)
from services.provisioner.use_cases import (
    Console,
    Lifecycle,
    ManualTenants,
    Provisioning,
    Reconciler,
    Refunds,
    SecretRotation,
)
from services.provisioner.use_cases.backups import Backups
from services.provisioner.use_cases.rezoning import Rezoning
from services.provisioner.use_cases.spares import SpareKeeper
from shared.advisories import count_max_deliveries
from shared.bus import RetryPolicy, ensure_consumers, tenants_bucket
from shared.crypto import Sealer
from shared.http import ops_router as health_router
from shared.i18n import Catalog
from shared.metrics import Metrics
from shared.metrics_probes import watch_bus
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.outbox import Relay, migrate_outbox
from shared.runtime import Runtime, open_runtime
from shared.subjects import (
    PROVISIONER_OPS_UPDATES,
    PROVISIONER_PAYMENTS,
    PROVISIONER_REFUNDS,
    PROVISIONER_REZONED,
    PROVISIONER_SETUP,
    PROVISIONER_TRIALS,
    STREAM_TENANT,
)
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
    refunds: Refunds
    reconciler: Reconciler
    manual: ManualTenants
    rotation: SecretRotation
    backups: Backups
    spares: SpareKeeper
    rezoning: Rezoning


async def compose(
    settings: ProvisionerSettings, runtime: Runtime, bots: Bots, sealer: Sealer
) -> UseCases:
    """The provisioner's use cases over their adapters (shared by the service and the CLI)."""
    pool = runtime.require_pool()
    tenant_migrations = shared_migrations("tenant")
    directory = TenantDirectory(await tenants_bucket(runtime.js))
    servers = runtime.require_servers()
    registry = PgTenantRegistry(pool, tenant_migrations, servers)
    bot_setup = TelegramBotSetup(bots, sealer, gateway_public_url=settings.gateway_public_url)
    store = PgConsoleStore(pool, tenant_migrations, servers)
    provisioning = Provisioning(
        registry=registry,
        bots=bot_setup,
        directory=directory,
        announcements=PgAnnouncements(pool),
        events=runtime.publisher,
        sealer=sealer,
        clock=runtime.clock,
        delivery="webhook" if settings.gateway_public_url else "polling",
    )
    lifecycle = Lifecycle(
        registry=registry,
        directory=directory,
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
        exporter=PgTenantExporter(pool, store.tenant_pool),
        events=runtime.publisher,
        clock=runtime.clock,
    )
    refunds = Refunds(
        store=PgRefunds(pool), directory=directory, events=runtime.publisher, clock=runtime.clock
    )
    reconciler = Reconciler(
        announcements=PgAnnouncements(pool),
        directory=directory,
        provisioning=provisioning,
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
        shop_keys=PgShopKeys(servers),
    )
    backups = Backups(
        store=FileBackupStore(
            pool,
            directory=settings.backups.directory,
            key=settings.backups.key,
            migrations=tenant_migrations,
            servers=servers,
        ),
        registry=registry,
        clock=runtime.clock,
    )
    return UseCases(
        provisioning=provisioning,
        lifecycle=lifecycle,
        console=console,
        refunds=refunds,
        reconciler=reconciler,
        manual=manual,
        rotation=rotation,
        backups=backups,
        spares=SpareKeeper(
            spares=PgSpareSchemas(pool, tenant_migrations),
            size=settings.spares.size,
            workers=settings.spares.workers,
            batch=settings.spares.batch,
        ),
        rezoning=Rezoning(store=PgZones(pool), directory=directory),
    )


async def run_sweeper(use: UseCases, every_seconds: int) -> None:
    """The lifecycle sweep, then the reconciliation of the directory and of announcements."""
    while True:
        try:
            report = await use.lifecycle.sweep()
            if report.warned or report.grace or report.suspended:
                log.info("lifecycle sweep: %s", report)
        except Exception:  # a failed sweep is retried on the next tick
            log.exception("lifecycle sweep failed")
        try:
            done = await use.reconciler.run()
            if done.directory or done.finished or done.failed:
                log.info("reconciled: %s", done)
        except Exception:  # as above
            log.exception("reconciliation failed")
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
            await migrate_outbox(pool)
            bots = Bots(make_session(settings.telegram))
            use = await compose(settings, runtime, bots, sealer)
            lasting = RetryPolicy.lasting()
            interactive = RetryPolicy.interactive(settings.retry.interactive_max_age_seconds)
            consumers = [
                (PROVISIONER_PAYMENTS, lasting),
                (PROVISIONER_TRIALS, lasting),
                (PROVISIONER_SETUP, lasting),
                (PROVISIONER_REFUNDS, lasting),
                (PROVISIONER_REZONED, lasting),
            ]
            runtime.broker.include_router(
                provisioning_router(
                    use.provisioning,
                    runtime.publisher,
                    metrics,
                    lasting,
                    concurrency=settings.concurrency,
                )
            )
            runtime.broker.include_router(
                refunds_router(use.refunds, runtime.publisher, metrics, lasting)
            )
            runtime.broker.include_router(
                rezoning_router(use.rezoning, runtime.publisher, metrics, lasting)
            )
            if settings.ops_bot_token:
                if not settings.operator_ids:
                    log.warning("OPERATOR_IDS is empty: the operator's bot will refuse everyone")
                consumers.append((PROVISIONER_OPS_UPDATES, interactive))
                runtime.broker.include_router(
                    ops_router(
                        dispatcher=build_ops_dispatcher(),
                        bot=bots.get(settings.ops_bot_token),
                        deps=OpsDeps(
                            console=use.console,
                            texts=texts,
                            operator_ids=frozenset(settings.operator_ids),
                            backups=use.backups,
                        ),
                        publisher=runtime.publisher,
                        metrics=metrics,
                        policy=interactive,
                    )
                )
            else:
                log.info("OPS_BOT_TOKEN is empty: the operator's bot is off")
            await count_max_deliveries(runtime.broker, SERVICE, metrics)
            watch_bus(metrics, runtime.js, SERVICE)
            watch_tenants(metrics, runtime.require_pool())
            app.register(health_router(metrics=metrics, checks=runtime.readiness()))
            await ensure_consumers(runtime.js, consumers)
            await runtime.broker.start()
            runtime.background(run_sweeper(use, settings.lifecycle.sweep_seconds), "lifecycle")
            relay = Relay(pool, runtime.publisher, stream=STREAM_TENANT)
            runtime.background(relay.run(), "outbox")
            runtime.background(use.spares.run(settings.spares.check_seconds), "spares")
            try:
                yield
            finally:
                await bots.close()

    return Litestar(route_handlers=[], lifespan=[lifespan])
