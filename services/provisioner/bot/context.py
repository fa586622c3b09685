"""What every handler of the operator's bot receives, passed in by the consumer (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from services.provisioner.use_cases import Console
from services.provisioner.use_cases.backups import Backups
from shared.i18n import Catalog

EXTEND_DAYS = 30


@dataclass(frozen=True, slots=True)
class OpsDeps:
    console: Console
    texts: Catalog
    operator_ids: frozenset[int]
    extend_days: int = EXTEND_DAYS
    backups: Backups | None = None  # tenant backups (/backup, /backups, /restore)
