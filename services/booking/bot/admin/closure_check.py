"""After a schedule change saved from the week or date screens: if it no longer holds some
confirmed bookings, the owner is shown them at once (the closure screen: keep or cancel)."""

from __future__ import annotations

from datetime import date

from services.booking.bot.admin.closures import closure_scope
from services.booking.bot.admin.screens import closures as screens
from services.booking.bot.screens import Screen, Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import closures
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.ports import Scope


async def covered_after_change(
    words: Words,
    deps: BookingDeps,
    tenant: TenantContext,
    customers: Scope,
    staff: Staff,
    master_id: int,
    days: tuple[date, date] | None,
) -> Screen | None:
    """`days` = the dates changed; None = the weekly pattern changed."""
    where = closure_scope(deps, tenant)
    if days is None:
        view = await closures.cover_weekly(where, customers, staff, master_id)
    else:
        view = await closures.cover_changes(where, customers, staff, master_id, *days)
    if view is None:
        return None
    return screens.closure(words, view, notice=words("admin.closure.changed"))
