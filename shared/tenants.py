"""The tenant directory: the read-only view of tenants the provisioner publishes in NATS KV.

Readers cache entries for a couple of seconds, so a status change (suspension, resumption)
reaches every service within that time without a KV read per update. An expired entry is of no
use (the next read fetches the entry again), so expired entries are dropped as new ones come in:
the cache holds only the tenants read in the last `ttl_seconds`, never more than `max_size`, and
does not grow with the number of tenants (10,000 entries would be ~10 MB per process).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from shared.messages import TenantConfig, decode, encode
from shared.subjects import check_tenant_id


class TenantDirectory:
    def __init__(
        self,
        kv: KeyValue,
        *,
        ttl_seconds: float = 2.0,
        max_size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kv = kv
        self._ttl = ttl_seconds
        self._max_size = max_size
        self._clock = clock
        # oldest read first: a fresh hit does not move, so the order is also the expiry order
        self._cache: OrderedDict[str, tuple[float, TenantConfig | None]] = OrderedDict()

    @property
    def cached(self) -> int:
        """How many entries the cache holds (not `__len__`: an empty directory stays truthy)."""
        return len(self._cache)

    async def get(self, tenant_id: str) -> TenantConfig | None:
        check_tenant_id(tenant_id)
        cached = self._cache.get(tenant_id)
        if cached is not None and self._clock() - cached[0] < self._ttl:
            return cached[1]
        try:
            entry = await self._kv.get(tenant_id)
        except KeyNotFoundError:
            config = None
        else:
            config = decode(TenantConfig, entry.value) if entry.value else None
        self._keep(tenant_id, config)
        return config

    def _keep(self, tenant_id: str, config: TenantConfig | None) -> None:
        now = self._clock()
        self._cache[tenant_id] = (now, config)
        self._cache.move_to_end(tenant_id)
        while self._cache:
            oldest = next(iter(self._cache.values()))
            if now - oldest[0] < self._ttl and len(self._cache) <= self._max_size:
                break
            self._cache.popitem(last=False)

    async def put(self, config: TenantConfig) -> None:
        await self._kv.put(config.tenant_id, encode(config))
        self._cache.pop(config.tenant_id, None)

    async def remove(self, tenant_id: str) -> None:
        await self._kv.delete(tenant_id)
        self._cache.pop(tenant_id, None)

    def forget(self, tenant_id: str) -> None:
        self._cache.pop(tenant_id, None)
