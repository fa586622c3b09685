"""Billing's app factory: the YooKassa webhook, the sales bot, tenant events, health, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from litestar import Litestar

from services.billing.adapters.bot_api import TelegramBotTokens
from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.metrics_pg import watch_payments
from services.billing.adapters.prepay_pg import PgPrepayments
from services.billing.adapters.sealed_prepay_pg import PgSealedPrepayKeys
from services.billing.adapters.sealed_signups_pg import PgSealedSignups
from services.billing.adapters.signups_pg import PgSignups
from services.billing.adapters.tenants_pg import PgTenants
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.adapters.yookassa_sdk import Timeouts
from services.billing.bot import SalesDeps, build_sales_dispatcher
from services.billing.config import BillingSettings
from services.billing.routes import shop_router, yookassa_router
from services.billing.subscribers import SERVICE, prepay_router, sales_router, tenants_router
from services.billing.use_cases import (
    AutoRenew,
    Checkout,
    CheckPayment,
    NotificationSource,
    PaymentRecorder,
    Purchase,
    ReconcilePending,
    RecordNotification,
    RecordRefund,
    SignupFlow,
    StartTrial,
    TrackTenants,
)
from services.billing.use_cases.prepay import ExpireHolds, OpenPrepayment, ShopRefunds
from services.billing.use_cases.prepay_notes import RecordShopNotification
from services.billing.use_cases.reseal import reseal_signups
from shared.advisories import count_max_deliveries
from shared.bus import RetryPolicy, ensure_consumers
from shared.crypto import Sealer
from shared.http import ops_router
from shared.i18n import Catalog
from shared.metrics import Metrics
from shared.metrics_probes import watch_bus
from shared.migrate import load_migrations, migrate_schema
from shared.outbox import Relay, migrate_outbox
from shared.runtime import Runtime, open_runtime
from shared.subjects import BILLING_PREPAY, BILLING_SALES_UPDATES, BILLING_TENANTS, STREAM_BILLING
from shared.telegram import Bots, make_session
from shared.yookassa_shop import ShopApi

MIGRATIONS = Path(__file__).parent / "migrations"
LOCALES = Path(__file__).parent / "locales"
log = logging.getLogger(__name__)

__all__ = ["SERVICE", "create_app"]

PENDING_CHECK_SECONDS = 60  # how often payments stuck in `pending` are asked back


async def check_pending(reconcile: ReconcilePending, every_seconds: float) -> None:
    """Ask YooKassa about payments whose notification never came, forever."""
    while True:
        try:
            report = await reconcile()
            if report.recorded or report.refused:
                log.info("pending payments: %s", report)
        except Exception:  # YooKassa or Postgres away: the next pass retries
            log.exception("checking pending payments failed")
        await asyncio.sleep(every_seconds)


async def expire_holds(expire: ExpireHolds, every_seconds: float) -> None:
    """Free prepayment holds that ran out unpaid, forever."""
    while True:
        try:
            await expire()
        except Exception:  # Postgres away: the next pass retries
            log.exception("expiring prepayment holds failed")
        await asyncio.sleep(every_seconds)


def wire_prepay(
    app: Litestar,
    runtime: Runtime,
    settings: BillingSettings,
    *,
    shop_api: ShopApi,
    sealer: Sealer,
    metrics: Metrics,
) -> ExpireHolds:
    """Prepayments to businesses' own shops: the `booking.prepay.*` consumer, the per-tenant
    webhook; returns the expiry of holds for the caller to run."""
    prepayments = PgPrepayments(runtime.require_pool())
    shop_refunds = ShopRefunds(api=shop_api, store=prepayments, sealer=sealer)
    runtime.broker.include_router(
        prepay_router(
            open_payment=OpenPrepayment(api=shop_api, store=prepayments, sealer=sealer),
            refunds=shop_refunds,
            publisher=runtime.publisher,
            metrics=metrics,
            policy=RetryPolicy.lasting(),
        )
    )
    source = NotificationSource(
        allowed=settings.yookassa.allowed_networks,
        trusted_proxies=settings.yookassa.trusted_proxies,
    )
    record = RecordShopNotification(
        source=source, api=shop_api, store=prepayments, sealer=sealer, refunds=shop_refunds
    )
    app.register(shop_router(record, metrics))
    return ExpireHolds(store=prepayments, clock=runtime.clock)


async def _reseal(pool: asyncpg.Pool, sealer: Sealer) -> None:
    """The signups' bot tokens and the shops' keys kept with prepayments, to the current key."""
    await reseal_signups(PgSealedSignups(pool), sealer)
    await reseal_signups(PgSealedPrepayKeys(pool), sealer, what="prepay shop keys")


def create_app(settings: BillingSettings) -> Litestar:
    metrics = Metrics(SERVICE)
    sealer = Sealer(settings.secrets.key, settings.secrets.previous)
    texts = Catalog.load(LOCALES)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_runtime(
            SERVICE,
            nats=settings.nats,
            postgres=settings.postgres,
            redis=settings.redis,
            controllable_clock=settings.controllable_clock,
        ) as runtime:
            pool = runtime.require_pool()
            await migrate_schema(pool, "billing", load_migrations(MIGRATIONS))
            await migrate_outbox(pool)
            await _reseal(pool, sealer)  # after a key rotation
            ledger = PgLedger(pool)
            signups = PgSignups(pool)
            tenants = PgTenants(pool)
            api = YooKassaApi(
                account_id=settings.yookassa.shop_id,
                secret_key=settings.yookassa.secret_key.reveal(),
                api_url=settings.yookassa.api_url,
                timeouts=Timeouts(
                    connect=settings.yookassa.connect_timeout,
                    read=settings.yookassa.read_timeout,
                ),
            )
            recorder = PaymentRecorder(
                api=api, ledger=ledger, events=runtime.publisher, clock=runtime.clock
            )
            record = RecordNotification(
                source=NotificationSource(
                    allowed=settings.yookassa.allowed_networks,
                    trusted_proxies=settings.yookassa.trusted_proxies,
                ),
                recorder=recorder,
                refunds=RecordRefund(
                    api=api, ledger=ledger, events=runtime.publisher, clock=runtime.clock
                ),
            )
            checkout = Checkout(
                api=api,
                ledger=ledger,
                clock=runtime.clock,
                return_url=settings.yookassa.return_url,
                receipts=settings.yookassa.receipts,
                vat_code=settings.yookassa.vat_code,
            )
            session = make_session(settings.telegram)
            bots = Bots(session)
            flow = SignupFlow(signups=signups, tokens=TelegramBotTokens(session), sealer=sealer)
            policy = RetryPolicy.interactive(settings.retry.interactive_max_age_seconds)
            lasting = RetryPolicy.lasting()
            consumers = [(BILLING_TENANTS, lasting)]
            runtime.broker.include_router(
                tenants_router(
                    track=TrackTenants(tenants=tenants),
                    autorenew=AutoRenew(
                        enabled=settings.yookassa.autopayments,
                        plans=settings.plans,
                        tenants=tenants,
                        checkout=checkout,
                        recorder=recorder,
                    ),
                    publisher=runtime.publisher,
                    metrics=metrics,
                    policy=lasting,
                )
            )
            if settings.sales_bot_token:
                deps = SalesDeps(
                    texts=texts,
                    flow=flow,
                    purchase=Purchase(
                        plans=settings.plans,
                        checkout=checkout,
                        flow=flow,
                        tenants=tenants,
                        ledger=ledger,
                        receipts=settings.yookassa.receipts,
                        autopayments=settings.yookassa.autopayments,
                    ),
                    trial=StartTrial(
                        flow=flow,
                        signups=signups,
                        clock=runtime.clock,
                        trial_days=settings.trial_days,
                    ),
                    check=CheckPayment(api=api, ledger=ledger, recorder=recorder),
                )
                consumers.append((BILLING_SALES_UPDATES, policy))
                runtime.broker.include_router(
                    sales_router(
                        dispatcher=build_sales_dispatcher(
                            runtime.require_redis(),
                            clock=runtime.clock,
                            state_ttl_seconds=settings.sales_state_ttl_seconds,
                        ),
                        bot=bots.get(settings.sales_bot_token),
                        deps=deps,
                        publisher=runtime.publisher,
                        metrics=metrics,
                        policy=policy,
                        max_workers=settings.sales_concurrency,
                    )
                )
            else:
                log.warning("SALES_BOT_TOKEN is empty: the sales bot is off (no sales consumer)")
            shop_api = ShopApi(
                settings.yookassa.api_url,
                connect=settings.yookassa.connect_timeout,
                read=settings.yookassa.read_timeout,
            )
            expire = wire_prepay(
                app, runtime, settings, shop_api=shop_api, sealer=sealer, metrics=metrics
            )
            consumers.append((BILLING_PREPAY, lasting))
            app.state.checkout = checkout
            app.register(yookassa_router(record, metrics))
            await count_max_deliveries(runtime.broker, SERVICE, metrics)
            watch_bus(metrics, runtime.js, SERVICE)
            watch_payments(metrics, pool)
            app.register(ops_router(metrics=metrics, checks=runtime.readiness()))
            await ensure_consumers(runtime.js, consumers)
            await runtime.broker.start()
            runtime.background(
                Relay(pool, runtime.publisher, stream=STREAM_BILLING).run(), "outbox"
            )
            pending = ReconcilePending(api=api, ledger=ledger, recorder=recorder)
            runtime.background(check_pending(pending, PENDING_CHECK_SECONDS), "pending")
            runtime.background(expire_holds(expire, settings.prepay_sweep_seconds), "holds")
            try:
                yield
            finally:
                await bots.close()
                await shop_api.aclose()

    return Litestar(route_handlers=[], lifespan=[lifespan])
