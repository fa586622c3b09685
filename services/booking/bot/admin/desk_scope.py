"""Hands the front-desk handlers their `desk` (a `DeskScope` of the update's tenant)."""

from __future__ import annotations

from aiogram import Router

from services.booking.adapters.desk_sql import PgDeskStore
from services.booking.bot.admin.scoped import with_scope
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin.desk_ports import DeskScope


def desk_scope(deps: BookingDeps, tenant: TenantContext) -> DeskScope:
    return DeskScope(
        tenant_id=tenant.tenant_id,
        store=PgDeskStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


def with_desk(router: Router) -> Router:
    return with_scope(router, "desk", desk_scope)
