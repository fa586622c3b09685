"""The test helper that gives a tenant a catalog: new tenants start empty, so a test that
needs services and a master to book says so by calling one of these (see `devstack.catalog`
for what they insert: the salon catalog the old seed migration had)."""

from devstack.catalog import (
    MASTER,
    SERVICES,
    give_catalog,
    give_catalog_at,
    give_catalog_to_every_empty_tenant,
)

__all__ = [
    "MASTER",
    "SERVICES",
    "give_catalog",
    "give_catalog_at",
    "give_catalog_to_every_empty_tenant",
]
