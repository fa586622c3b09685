"""What every sales-bot handler receives (as keyword data of `feed_raw_update`)."""

from __future__ import annotations

from dataclasses import dataclass

from services.billing.use_cases import CheckPayment, Purchase, SignupFlow, StartTrial
from shared.i18n import Catalog


@dataclass(frozen=True, slots=True)
class SalesDeps:
    texts: Catalog
    flow: SignupFlow
    purchase: Purchase
    trial: StartTrial
    check: CheckPayment

    def t(self, locale: str, key: str, /, **values: object) -> str:
        return self.texts.text(locale, key, **values)
