"""The gateway's app factory: webhook routes, long polling, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar

from services.gateway.adapters.nats_sink import JetStreamSink
from services.gateway.adapters.platform_webhooks import register_platform_webhooks
from services.gateway.adapters.polling import Poller
from services.gateway.adapters.registry import DirectoryRegistry
from services.gateway.adapters.tenant_watch import follow_polled_tenants
from services.gateway.config import GatewaySettings
from services.gateway.routes import webhook_router
from services.gateway.use_cases import AcceptUpdate
from shared.bus import Publisher, make_broker, open_bus, tenants_bucket
from shared.crypto import Sealer
from shared.http import ops_router
from shared.metrics import Metrics
from shared.metrics_probes import watch_bus
from shared.runner import freeze_heap
from shared.tenants import TenantDirectory

SERVICE = "gateway"


def create_app(settings: GatewaySettings) -> Litestar:
    metrics = Metrics(SERVICE)
    sealer = Sealer(settings.secrets.key, settings.secrets.previous)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        broker = make_broker(settings.nats, SERVICE)
        js = await open_bus(broker)
        kv = await tenants_bucket(js)
        watch_bus(metrics, js, SERVICE)
        registry = DirectoryRegistry(
            TenantDirectory(kv),
            sales_token=settings.sales_bot_token,
            ops_token=settings.ops_bot_token,
        )
        sink = JetStreamSink(Publisher(broker, timeout=settings.nats.publish_timeout))
        accept = AcceptUpdate(registry, sink, sealer)
        app.register(webhook_router(accept, metrics, max_body_bytes=settings.max_body_bytes))

        async def nats_ready() -> bool:
            return broker.connection.is_connected

        app.register(ops_router(metrics=metrics, checks={"nats": nats_ready}))
        poller = Poller(
            api_base=settings.telegram.api_base,
            sink=sink,
            timeout_seconds=settings.poll_timeout_seconds,
        )
        if settings.public_url is None:
            for route in registry.platform_routes():
                poller.start(route)
        else:
            await register_platform_webhooks(
                registry.platform_routes(),
                api_base=settings.telegram.api_base,
                public_url=settings.public_url,
                sealer=sealer,
            )
        watch = asyncio.create_task(
            follow_polled_tenants(kv, poller, sealer, broker.connection), name="tenant-watch"
        )
        await broker.start()
        freeze_heap()  # after everything long-lived is built
        try:
            yield
        finally:
            watch.cancel()
            await poller.close()
            await broker.stop()

    return Litestar(route_handlers=[], lifespan=[lifespan])
