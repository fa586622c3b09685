"""Hands the client base's handlers their `clients` (a `ClientsScope` of the update's tenant)."""

from __future__ import annotations

from aiogram import Router

from services.booking.adapters.clients_sql import PgClientsStore
from services.booking.bot.admin.scoped import with_scope
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin.clients_ports import ClientsScope


def clients_scope(deps: BookingDeps, tenant: TenantContext) -> ClientsScope:
    return ClientsScope(
        tenant_id=tenant.tenant_id,
        store=PgClientsStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


def with_clients(router: Router) -> Router:
    return with_scope(router, "clients", clients_scope)
