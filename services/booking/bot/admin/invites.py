"""Invite links for staff (owner only): pick the role (and the master), get a one-time link."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from services.booking.adapters.invites import PgInviteStore
from services.booking.bot.admin.closure_callbacks import Invite
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.admin.screens import invites as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import invites, masters
from services.booking.use_cases.admin.access import require_owner
from services.booking.use_cases.admin.invite_ports import InviteRole, InviteScope
from services.booking.use_cases.admin.ports import AdminScope, Staff


def invite_scope(deps: BookingDeps, tenant: TenantContext) -> InviteScope:
    return InviteScope(
        tenant_id=tenant.tenant_id,
        store=PgInviteStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


async def invite(
    callback: CallbackQuery,
    callback_data: Invite,
    staff: Staff,
    admin: AdminScope,
    team: InviteScope,
    tenant: TenantContext,
    words: Words,
) -> None:
    require_owner(staff)
    if callback_data.a == "list":
        await show(callback, screens.roles(words))
        return
    if callback_data.a == "pick":
        await show(callback, screens.masters(words, await masters.masters(admin, staff)))
        return
    role: InviteRole = "master" if callback_data.a == "master" else "admin"
    made = await invites.make(team, staff, role, callback_data.m)
    zone = tenant.config.timezone
    await show(callback, screens.made(words, made, tenant.config.bot_username, zone))


def router() -> Router:
    feature = Router(name="admin-invites")
    feature.callback_query.register(invite, Invite.filter())
    return with_scope(feature, "team", invite_scope)
