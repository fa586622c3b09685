"""The tenant directory's cache stays small however many tenants there are: it keeps only the
entries read within its TTL (expired ones are of no use and are dropped), never more than its
size, and still answers from the cache while an entry is fresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import pytest
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from shared.messages import TenantConfig, encode
from shared.tenants import TenantDirectory

pytestmark = [pytest.mark.unit, pytest.mark.asyncio(loop_scope="session")]


def config(n: int, status: str = "active") -> TenantConfig:
    return TenantConfig(
        tenant_id=f"t{n:08d}",
        status=status,  # type: ignore[arg-type]
        business_name=f"Салон {n}",
        bot_id=7_000_000_000 + n,
        bot_username=f"salon{n}_bot",
        bot_token_sealed="sealed",
        delivery="webhook",
        timezone="Europe/Moscow",
        owner_chat_id=1,
        paid_until=datetime(2027, 1, 1, tzinfo=UTC),
    )


@dataclass
class Entry:
    value: bytes


class Bucket:
    """The tenants KV as the directory uses it: `get` by key, counted."""

    def __init__(self, count: int) -> None:
        self.values = {config(n).tenant_id: encode(config(n)) for n in range(count)}
        self.reads = 0

    async def get(self, key: str) -> Entry:
        self.reads += 1
        if key not in self.values:
            raise KeyNotFoundError
        return Entry(self.values[key])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def directory(bucket: Bucket, clock: Clock, **options: float) -> TenantDirectory:
    return TenantDirectory(cast("KeyValue", bucket), clock=clock, **options)  # type: ignore[arg-type]


async def test_ten_thousand_tenants_read_over_time_leave_only_the_last_ttl_of_them() -> None:
    bucket, clock = Bucket(10_000), Clock()
    tenants = directory(bucket, clock, ttl_seconds=2.0)
    largest = 0
    for n in range(10_000):
        clock.now += 1 / 64  # 64 reads/s (exact in binary): 128 of them within the TTL
        found = await tenants.get(f"t{n:08d}")
        assert found is not None
        assert found.bot_id == 7_000_000_000 + n
        largest = max(largest, tenants.cached)

    assert largest == 128
    assert tenants.cached == 128


async def test_the_cache_never_holds_more_than_its_size_even_within_the_ttl() -> None:
    bucket, clock = Bucket(1000), Clock()
    tenants = directory(bucket, clock, ttl_seconds=60.0, max_size=100)
    for n in range(1000):
        await tenants.get(f"t{n:08d}")

    assert tenants.cached == 100
    reads = bucket.reads
    await tenants.get(f"t{999:08d}")  # the newest is kept
    assert bucket.reads == reads
    await tenants.get(f"t{0:08d}")  # the oldest was dropped: read again
    assert bucket.reads == reads + 1


async def test_a_fresh_entry_comes_from_the_cache_and_an_expired_one_is_read_again() -> None:
    bucket, clock = Bucket(3), Clock()
    tenants = directory(bucket, clock, ttl_seconds=2.0)
    tenant_id = config(1).tenant_id
    assert (await tenants.get(tenant_id)) == config(1)
    bucket.values[tenant_id] = encode(config(1, status="suspended"))

    clock.now += 1.9
    assert (await tenants.get(tenant_id)) == config(1)  # fresh: from the cache
    assert bucket.reads == 1

    clock.now += 0.2
    found = await tenants.get(tenant_id)
    assert found is not None
    assert found.status == "suspended"
    assert bucket.reads == 2


async def test_an_unknown_tenant_is_none_and_kept_only_within_the_ttl() -> None:
    bucket, clock = Bucket(1), Clock()
    tenants = directory(bucket, clock, ttl_seconds=2.0)
    assert await tenants.get("t99999999") is None
    assert await tenants.get("t99999999") is None
    assert bucket.reads == 1
    clock.now += 5
    await tenants.get(config(0).tenant_id)
    assert tenants.cached == 1  # the unknown one expired and was dropped
