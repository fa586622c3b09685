"""The tenant directory: the read-only view of tenants the provisioner publishes in NATS KV.

Readers cache entries for a couple of seconds (bounded), so a status change (suspension,
resumption) reaches every service within that time without a database read per update.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from shared.messages import TenantConfig, decode, encode
from shared.subjects import check_tenant_id


class TenantDirectory:
    def __init__(self, kv: KeyValue, *, ttl_seconds: float = 2.0, max_size: int = 20_000) -> None:
        self._kv = kv
        self._ttl = ttl_seconds
        self._max_size = max_size
        self._cache: OrderedDict[str, tuple[float, TenantConfig | None]] = OrderedDict()

    async def get(self, tenant_id: str) -> TenantConfig | None:
        check_tenant_id(tenant_id)
        now = time.monotonic()
        cached = self._cache.get(tenant_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            entry = await self._kv.get(tenant_id)
        except KeyNotFoundError:
            config = None
        else:
            config = decode(TenantConfig, entry.value) if entry.value else None
        self._cache[tenant_id] = (now, config)
        self._cache.move_to_end(tenant_id)
        if len(self._cache) > self._max_size:
            self._cache.popitem(last=False)
        return config

    async def put(self, config: TenantConfig) -> None:
        await self._kv.put(config.tenant_id, encode(config))
        self._cache.pop(config.tenant_id, None)

    async def remove(self, tenant_id: str) -> None:
        await self._kv.delete(tenant_id)
        self._cache.pop(tenant_id, None)

    def forget(self, tenant_id: str) -> None:
        self._cache.pop(tenant_id, None)
