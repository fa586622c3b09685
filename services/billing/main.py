"""Billing's app factory: the YooKassa webhook, the sales bot consumer, health and metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Litestar

from services.billing.adapters.ledger_pg import PgLedger
from services.billing.adapters.yookassa_api import YooKassaApi
from services.billing.config import BillingSettings
from services.billing.routes import yookassa_router
from services.billing.use_cases import Checkout, NotificationSource, RecordNotification
from shared.http import ops_router
from shared.metrics import Metrics
from shared.migrate import load_migrations, migrate_schema
from shared.runtime import open_runtime

SERVICE = "billing"
MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: BillingSettings) -> Litestar:
    metrics = Metrics(SERVICE)

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
            ledger = PgLedger(pool)
            api = YooKassaApi(
                account_id=settings.yookassa.shop_id,
                secret_key=settings.yookassa.secret_key.reveal(),
                api_url=settings.yookassa.api_url,
            )
            record = RecordNotification(
                source=NotificationSource(
                    allowed=settings.yookassa.allowed_networks,
                    trusted_proxies=settings.yookassa.trusted_proxies,
                ),
                api=api,
                ledger=ledger,
                events=runtime.publisher,
                clock=runtime.clock,
            )
            checkout = Checkout(
                api=api,
                ledger=ledger,
                clock=runtime.clock,
                return_url=settings.yookassa.return_url,
                receipts=settings.yookassa.receipts,
                vat_code=settings.yookassa.vat_code,
            )
            app.state.checkout = checkout
            app.register(yookassa_router(record, metrics))
            app.register(ops_router(metrics=metrics, checks=runtime.readiness()))
            await runtime.broker.start()
            yield

    return Litestar(route_handlers=[], lifespan=[lifespan])
