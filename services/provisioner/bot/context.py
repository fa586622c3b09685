"""What every handler of the operator's bot receives, passed in by the consumer (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from services.provisioner.use_cases import Console
from shared.i18n import Catalog

EXTEND_DAYS = 30


@dataclass(frozen=True, slots=True)
class OpsDeps:
    console: Console
    texts: Catalog
    operator_ids: frozenset[int]
    extend_days: int = EXTEND_DAYS
