"""Billing's app factory: the YooKassa webhook, the sales bot, tenant events, health, metrics."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Litestar

from services.billing.adapters.bot_api import TelegramBotTokens
from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.sealed_signups_pg import PgSealedSignups
from services.billing.adapters.signups_pg import PgSignups
from services.billing.adapters.tenants_pg import PgTenants
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.bot import SalesDeps, build_sales_dispatcher
from services.billing.config import BillingSettings
from services.billing.routes import yookassa_router
from services.billing.subscribers import SERVICE, sales_router, tenants_router
from services.billing.use_cases import (
    AutoRenew,
    Checkout,
    CheckPayment,
    NotificationSource,
    PaymentRecorder,
    Purchase,
    RecordNotification,
    SignupFlow,
    StartTrial,
    TrackTenants,
)
from services.billing.use_cases.reseal import reseal_signups
from shared.bus import RetryPolicy
from shared.crypto import Sealer
from shared.http import ops_router
from shared.i18n import Catalog
from shared.metrics import Metrics
from shared.migrate import load_migrations, migrate_schema
from shared.runtime import open_runtime
from shared.telegram import Bots, make_session

MIGRATIONS = Path(__file__).parent / "migrations"
LOCALES = Path(__file__).parent / "locales"
log = logging.getLogger(__name__)

__all__ = ["SERVICE", "create_app"]


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
            await reseal_signups(PgSealedSignups(pool), sealer)  # after a key rotation
            ledger = PgLedger(pool)
            signups = PgSignups(pool)
            tenants = PgTenants(pool)
            api = YooKassaApi(
                account_id=settings.yookassa.shop_id,
                secret_key=settings.yookassa.secret_key.reveal(),
                api_url=settings.yookassa.api_url,
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
            policy = RetryPolicy(max_deliver=4, backoff_seconds=(0.5, 2.0, 5.0))
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
                    policy=RetryPolicy(),
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
                        events=runtime.publisher,
                        clock=runtime.clock,
                        trial_days=settings.trial_days,
                    ),
                    check=CheckPayment(api=api, ledger=ledger, recorder=recorder),
                )
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
            app.state.checkout = checkout
            app.register(yookassa_router(record, metrics))
            app.register(ops_router(metrics=metrics, checks=runtime.readiness()))
            await runtime.broker.start()
            try:
                yield
            finally:
                await bots.close()

    return Litestar(route_handlers=[], lifespan=[lifespan])
