"""«Предоплата»: the owner connects the business's own YooKassa shop and says which services
ask for a deposit or the full price, and how long an unpaid booking holds its time.

Owner only. The shop id and secret key are checked against YooKassa (`/me`) before they are
saved; the key is sealed with the platform key at once and never shown, logged or audited
(the audit log names the shop id only). Every change is written to the audit log in its own
transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import require_owner
from services.booking.use_cases.admin.ports import AdminScope, Staff
from services.booking.use_cases.owner.errors import OwnerRefusal
from services.booking.use_cases.prepay.ports import (
    MODES,
    PrepayMode,
    ServicePrepay,
    ShopSettings,
)
from shared.errors import AppError, TransientError
from shared.yookassa_shop import ShopCredentials

HOLD_CHOICES = (15, 30, 60)
SHOP_ID = re.compile(r"^\d{3,12}$")
SECRET = re.compile(r"^[A-Za-z0-9_\-]{8,128}$")
MAX_DEPOSIT_KOPECKS = 10_000_000


class ShopChecker(Protocol):
    async def me(self, shop: ShopCredentials) -> str:
        """The account id the credentials belong to; raises when YooKassa refuses them."""
        ...


class Sealing(Protocol):
    def seal(self, value: str) -> str: ...


@dataclass(frozen=True, slots=True)
class PrepayView:
    shop: ShopSettings
    services: tuple[ServicePrepay, ...]


async def view(scope: AdminScope, staff: Staff) -> PrepayView:
    require_owner(staff, "prepay")
    async with scope.store.transaction() as session:
        shop = await session.shop_settings()
        services = tuple(s for s in await session.services_prepay() if s.active)
    return PrepayView(shop=shop, services=services)


def check_shop_id(text: str) -> str:
    shop_id = text.strip()
    if not SHOP_ID.fullmatch(shop_id):
        raise OwnerRefusal("admin.prepay.error.shop_id")
    return shop_id


async def connect(
    scope: AdminScope,
    staff: Staff,
    *,
    shop_id: str,
    secret_key: str,
    checker: ShopChecker,
    sealer: Sealing,
) -> PrepayView:
    """Check the credentials with YooKassa, then save them sealed (`OwnerRefusal` if wrong)."""
    require_owner(staff, "prepay")
    shop_id = check_shop_id(shop_id)
    secret = secret_key.strip()
    if not SECRET.fullmatch(secret):
        raise OwnerRefusal("admin.prepay.error.secret")
    try:
        account = await checker.me(ShopCredentials(shop_id, secret))
    except TransientError:
        raise OwnerRefusal("admin.prepay.error.unavailable") from None
    except AppError:
        raise OwnerRefusal("admin.prepay.error.rejected") from None
    if account != shop_id:
        raise OwnerRefusal("admin.prepay.error.rejected")
    sealed = sealer.seal(secret)
    async with scope.store.transaction() as session:
        before = await session.shop_settings()
        await session.save_shop(shop_id, sealed)
        await audit.record(
            session,
            staff,
            "prepay.connect",
            "prepay",
            before={"shop_id": before.shop_id},
            after={"shop_id": shop_id},
        )
    return await view(scope, staff)


async def disconnect(scope: AdminScope, staff: Staff) -> PrepayView:
    require_owner(staff, "prepay")
    async with scope.store.transaction() as session:
        before = await session.shop_settings()
        if before.shop_id is not None:
            await session.save_shop(None, None)
            await audit.record(
                session,
                staff,
                "prepay.disconnect",
                "prepay",
                before={"shop_id": before.shop_id},
                after={"shop_id": None},
            )
    return await view(scope, staff)


async def set_hold(scope: AdminScope, staff: Staff, minutes: int) -> PrepayView:
    require_owner(staff, "prepay")
    if minutes not in HOLD_CHOICES:
        raise OwnerRefusal("admin.prepay.error.hold")
    async with scope.store.transaction() as session:
        before = await session.shop_settings()
        if before.hold_min != minutes:
            await session.save_hold(minutes)
            await audit.record(
                session,
                staff,
                "prepay.hold",
                "prepay",
                before={"hold_min": before.hold_min},
                after={"hold_min": minutes},
            )
    return await view(scope, staff)


def parse_rubles(text: str) -> int:
    """`500`, `500,50`, `1 500 ₽` -> kopecks; `OwnerRefusal` for anything else."""
    cleaned = text.replace("₽", "").replace("руб", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"\d{1,6}(\.\d{1,2})?", cleaned):
        raise OwnerRefusal("admin.prepay.error.amount")
    whole, _, frac = cleaned.partition(".")
    kopecks = int(whole) * 100 + int((frac + "00")[:2])
    if not 0 < kopecks <= MAX_DEPOSIT_KOPECKS:
        raise OwnerRefusal("admin.prepay.error.amount")
    return kopecks


async def set_service(
    scope: AdminScope, staff: Staff, service_id: int, mode: PrepayMode, kopecks: int = 0
) -> PrepayView:
    """A service's prepayment: none, a deposit of `kopecks`, or its full price."""
    require_owner(staff, "prepay")
    if mode not in MODES:
        raise OwnerRefusal("admin.prepay.error.mode")
    async with scope.store.transaction() as session:
        found = {s.service_id: s for s in await session.services_prepay()}
        before = found.get(service_id)
        if before is None:
            raise OwnerRefusal("admin.prepay.error.service")
        amount = kopecks if mode == "deposit" else 0
        await session.save_service_prepay(service_id, mode, amount)
        await audit.record(
            session,
            staff,
            "prepay.service",
            f"service:{service_id}",
            before={"mode": before.mode, "kopecks": before.prepay_kopecks},
            after={"mode": mode, "kopecks": amount},
        )
    return await view(scope, staff)
