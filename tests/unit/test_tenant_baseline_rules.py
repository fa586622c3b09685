"""The tenant baseline is set aside when a migration it covers changes."""

from __future__ import annotations

import pytest

from shared.migrate import shared_migrations
from shared.tenant_baseline import load_baseline

pytestmark = pytest.mark.unit


def test_a_changed_migration_sets_the_baseline_aside() -> None:
    migrations = shared_migrations("tenant")
    first = migrations[0]
    changed = (type(first)(first.version, first.name, first.sql + "\n-- changed"), *migrations[1:])
    assert load_baseline(migrations) is not None
    assert load_baseline(changed) is None
