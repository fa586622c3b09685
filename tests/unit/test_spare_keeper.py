"""The spare pool's keeper tops the pool up to its size, a few at a time, and not beyond."""

from __future__ import annotations

import pytest

from services.provisioner.use_cases.spares import SpareKeeper


class FakeSpares:
    def __init__(self, count: int = 0) -> None:
        self.made: list[str] = []
        self.start = count

    async def count(self) -> int:
        return self.start + len(self.made)

    async def make_one(self) -> str:
        return (await self.make(1))[0]

    async def make(self, count: int) -> list[str]:
        names = [f"t_spare_{len(self.made) + i:012x}" for i in range(count)]
        self.made += names
        return names


@pytest.mark.asyncio
async def test_top_up_fills_the_pool_to_its_size() -> None:
    spares = FakeSpares(count=2)
    keeper = SpareKeeper(spares=spares, size=7, workers=3)
    assert await keeper.top_up() == 5
    assert await spares.count() == 7
    assert await keeper.top_up() == 0


@pytest.mark.asyncio
async def test_top_up_makes_several_spares_per_transaction_without_overshooting() -> None:
    spares = FakeSpares()
    assert await SpareKeeper(spares=spares, size=25, workers=2, batch=10).top_up() == 25
    assert await spares.count() == 25


@pytest.mark.asyncio
async def test_a_full_or_disabled_pool_makes_nothing() -> None:
    full = FakeSpares(count=9)
    assert await SpareKeeper(spares=full, size=5, workers=2).top_up() == 0
    off = FakeSpares()
    assert await SpareKeeper(spares=off, size=0, workers=2).top_up() == 0
    assert off.made == []
