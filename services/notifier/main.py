"""The notifier's app factory: consumers, the dispatcher, health and metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from litestar import Litestar

from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.adapters.delivery_log_pg import PgDeliveryLog
from services.notifier.adapters.marketing_pg import PgMarketing
from services.notifier.adapters.metrics_pg import CountedSender, watch_queue
from services.notifier.adapters.rate_limit_redis import RedisRateLimiter
from services.notifier.adapters.telegram_sender import DirectoryProfiles, TelegramSender
from services.notifier.config import NotifierSettings
from services.notifier.subscribers import SERVICE, notifier_router
from services.notifier.use_cases import (
    BookingNotes,
    Dispatcher,
    DispatchPolicy,
    LateReminders,
    Retention,
    TenantNotes,
    Texts,
)
from services.notifier.use_cases.broadcasts import Broadcasts, Progress
from services.notifier.use_cases.texts import LOCALES
from services.notifier.use_cases.winback import Winback
from shared.advisories import count_max_deliveries
from shared.bus import RetryPolicy, ensure_consumers, tenants_bucket
from shared.crypto import Sealer
from shared.http import ops_router
from shared.metrics import Metrics
from shared.metrics_probes import watch_bus
from shared.migrate import load_migrations, migrate_schema
from shared.runtime import open_runtime
from shared.subjects import NOTIFIER_BOOKINGS, NOTIFIER_PAYMENT_CANCELED, NOTIFIER_TENANTS
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def dispatch_policy(settings: NotifierSettings) -> DispatchPolicy:
    d = settings.dispatch
    return DispatchPolicy(
        per_bot_rate=d.per_bot_rate,
        per_chat_rate=d.per_chat_rate,
        poll_seconds=d.poll_seconds,
        max_attempts=d.max_attempts,
        batch_size=d.batch_size,
        concurrency=d.concurrency,
        lease_seconds=d.lease_seconds,
        send_timeout_seconds=d.send_timeout_seconds,
        backoff_base_seconds=d.backoff_base_seconds,
        backoff_max_seconds=d.backoff_max_seconds,
    )


def create_app(settings: NotifierSettings) -> Litestar:
    metrics = Metrics(SERVICE)
    sealer = Sealer(settings.secrets.key, settings.secrets.previous)
    texts = Texts.load(LOCALES)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_runtime(
            SERVICE,
            nats=settings.nats,
            postgres=settings.postgres,
            redis=settings.redis,
            controllable_clock=settings.controllable_clock,
            # Its SQL keeps to statements and transactions (tests/unit/test_statement_scoped.py),
            # so its many one-statement leases go back without a reset query.
            statement_scoped_sql=True,
        ) as runtime:
            pool = runtime.require_pool()
            await migrate_schema(pool, "notifier", load_migrations(MIGRATIONS))
            directory = TenantDirectory(await tenants_bucket(runtime.js))
            deliveries = PgDeliveries(pool)
            # A connection for every send the dispatcher may have in flight.
            session = make_session(
                settings.telegram, limit=settings.dispatch.concurrency, interactive=False
            )
            bots = Bots(session)
            limiter = RedisRateLimiter(
                runtime.require_redis(),
                per_bot_rate=settings.dispatch.per_bot_rate,
                per_chat_rate=settings.dispatch.per_chat_rate,
                margin=settings.dispatch.rate_margin,
            )
            sender = TelegramSender(
                bots=bots,
                directory=directory,
                sealer=sealer,
                sales_token=settings.sales_bot_token,
                request_timeout=settings.dispatch.send_timeout_seconds,
            )
            dispatcher = Dispatcher(
                queue=deliveries,
                limiter=limiter,
                sender=CountedSender(sender, metrics),
                events=runtime.publisher,
                clock=runtime.clock,
                policy=dispatch_policy(settings),
                late=LateReminders(texts, timedelta(minutes=settings.dispatch.late_after_minutes)),
            )
            retention = Retention(
                log_store=PgDeliveryLog(pool),
                clock=runtime.clock,
                keep=timedelta(days=settings.retention.days),
                batch=settings.retention.batch,
                interval_seconds=settings.retention.interval_seconds,
            )
            tenant_notes = TenantNotes(
                store=deliveries,
                profiles=DirectoryProfiles(directory),
                texts=texts,
                clock=runtime.clock,
                wake=dispatcher.wake,
            )
            marketing = PgMarketing(pool)
            winback = Winback(store=marketing, clock=runtime.clock)
            progress = Progress(
                store=marketing,
                editor=sender,
                limiter=limiter,
                texts=texts,
                clock=runtime.clock,
                interval_seconds=settings.dispatch.progress_seconds,
                poll_seconds=min(settings.dispatch.poll_seconds, 1.0),
                idle_seconds=settings.dispatch.broadcast_idle_seconds,
                wake=dispatcher.wake,
            )
            broadcasts = Broadcasts(
                store=marketing,
                texts=texts,
                clock=runtime.clock,
                wake=dispatcher.wake,
                started=progress.wake,
            )
            booking_notes = BookingNotes(
                store=deliveries,
                texts=texts,
                clock=runtime.clock,
                review_delay=timedelta(minutes=settings.review_delay_minutes),
                wake=dispatcher.wake,
                winback=winback,
            )
            lasting = RetryPolicy.lasting()
            runtime.broker.include_router(
                notifier_router(
                    tenant_notes,
                    booking_notes,
                    retention,
                    runtime.publisher,
                    metrics,
                    lasting,
                    marketing=(broadcasts, winback),
                )
            )
            await count_max_deliveries(runtime.broker, SERVICE, metrics)
            watch_bus(metrics, runtime.js, SERVICE)
            watch_queue(metrics, pool)
            app.register(ops_router(metrics=metrics, checks=runtime.readiness()))
            await ensure_consumers(
                runtime.js,
                [
                    (NOTIFIER_TENANTS, lasting),
                    (NOTIFIER_BOOKINGS, lasting),
                    (NOTIFIER_PAYMENT_CANCELED, lasting),
                ],
            )
            await runtime.broker.start()
            runtime.background(dispatcher.run(), "dispatcher")
            runtime.background(retention.run(), "retention")
            runtime.background(progress.run(), "broadcast progress")
            try:
                yield
            finally:
                await bots.close()

    return Litestar(route_handlers=[], lifespan=[lifespan])
