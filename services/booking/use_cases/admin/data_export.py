"""«Выгрузить мои данные»: the owner (only the owner: it holds every customer's phone) gets
all of the bot's data as one file. Raises `NotAllowed` for anyone else."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.booking.use_cases.admin.access import require_owner
from services.booking.use_cases.admin.ports import AdminScope, Staff


class DataExporter(Protocol):
    async def export(self, tenant_id: str, now: datetime) -> bytes: ...


async def owner_export(
    admin: AdminScope, actor: Staff, exporter: DataExporter
) -> tuple[bytes, datetime]:
    require_owner(actor, "export")
    now = admin.clock.now()
    return await exporter.export(admin.tenant_id, now), now
