"""The memory bench's kept cluster: a second stack on the same folder starts with the tenants
the first one made (read back from the registry), their bots still answer through the webhook
URL and secret worked out for them, and every service dumps its heap counts on request."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.memory import heap_dumps, reach
from bench.sinkstack import sink_stack
from devstack.stack import SERVICES

pytestmark = pytest.mark.e2e


@pytest.fixture
def kept() -> Iterator[Path]:
    """A folder the cluster's user (nobody, when the tests run as root) can reach: pytest's
    tmp_path is private to its owner."""
    folder = Path(".run") / f"test-keep-{uuid.uuid4().hex[:8]}"
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_kept_cluster_brings_back_its_tenants_and_they_answer(kept: Path, tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(Path("bench/heapcount").resolve()), "HEAPCOUNT_DIR": str(tmp_path)}
    with sink_stack("keep", kept=kept) as first:
        made = asyncio.run(reach(first, 2, 0, spare_workers=1))  # the pool filled first
        assert made["created"] == 2
        assert made["touch_failures"] == 0
        ids = [t.tenant_id for t in first.tenants]

    with sink_stack("keep", kept=kept, extra_env=env) as second:
        assert [t.tenant_id for t in second.tenants] == ids
        again = asyncio.run(reach(second, 2, 0, spare_workers=1))  # touched afresh, none made
        assert again["created"] == 0
        assert again["touch_failures"] == 0
        assert set(SERVICES) <= set(again["anon_mib"])
        dumps = heap_dumps(second, folder=tmp_path)

    assert set(dumps) == set(SERVICES)
    assert all(d["objects"] > 0 and d["types"] for d in dumps.values())
