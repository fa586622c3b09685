"""The owner changed the business's time zone in their bot: booking owns that choice and
announces it (`booking.rezoned.<t>`, `BusinessRezoned`); the registry and the `tenants`
directory follow it here, so everything that reads the zone from the directory (the gateway,
the booking service's tenant context) sees the new one.

Once per change: the change's time is recorded with the zone, and an older change (a
redelivery, or one overtaken by a newer one) leaves the registry as it is. The directory is
written on every delivery of the newest change, so a provisioner stopped between the two
writes finishes on the next delivery.
"""

from __future__ import annotations

import logging

from services.provisioner.ports import Directory, ZoneStore
from shared.messages import BusinessRezoned

log = logging.getLogger(__name__)


class Rezoning:
    def __init__(self, *, store: ZoneStore, directory: Directory) -> None:
        self._store = store
        self._directory = directory

    async def on_rezoned(self, event: BusinessRezoned) -> bool:
        """True when the registry and the directory now hold `event.timezone`."""
        tenant = await self._store.set_timezone(
            event.tenant_id, event.timezone, changed_at=event.changed_at
        )
        if tenant is None:
            log.info(
                "rezone of %s to %s: not newer, or no such tenant", event.tenant_id, event.timezone
            )
            return False
        await self._directory.put(tenant.config())
        await self._store.directory_synced(tenant.tenant_id, tenant.version)
        return True
