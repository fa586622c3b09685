"""The operational HTTP routes every service has: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from litestar import Response, Router, get

from shared.metrics import Metrics

ReadinessCheck = Callable[[], Awaitable[bool]]


def ops_router(*, metrics: Metrics, checks: Mapping[str, ReadinessCheck]) -> Router:
    @get("/healthz", sync_to_thread=False, include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": metrics.service}

    @get("/readyz", include_in_schema=False)
    async def readyz() -> Response[dict[str, object]]:
        results: dict[str, bool] = {}
        for name, check in checks.items():
            try:
                results[name] = await check()
            except Exception:  # noqa: BLE001 - a failing dependency is "not ready", not a crash
                results[name] = False
        ready = all(results.values())
        return Response(
            {"ready": ready, "checks": results, "service": metrics.service},
            status_code=200 if ready else 503,
        )

    @get("/metrics", include_in_schema=False)
    async def metrics_route() -> Response[bytes]:
        await metrics.refresh()
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    return Router(path="/", route_handlers=[healthz, readyz, metrics_route])
