"""The owner's and staff's side of a tenant bot (`/admin`).

`router()` is included right after the customer's error router, so it sees updates first:
its root filters let only admin buttons (prefixes starting with `a`, see `callbacks`) and
admin messages (`/admin`, or text while an admin question is open) in, and `StaffGate`
checks `staff_members` on every one of them. Everything else passes to the customer routers
untouched. Roles are enforced again in `use_cases.admin`.
"""

from __future__ import annotations

from aiogram import Router

from services.booking.bot.admin import (
    closures,
    customer_card,
    dates,
    day,
    errors,
    glance,
    home,
    invites,
    masters,
    moves,
    phone,
    profiles,
    schedule,
    services,
    settings,
    staff,
    stats,
)
from services.booking.bot.admin.gate import AdminButton, AdminMessage, StaffGate


def router() -> Router:
    admin = Router(name="admin")
    admin.callback_query.filter(AdminButton())
    admin.message.filter(AdminMessage())
    gate = StaffGate()
    admin.callback_query.middleware(gate)
    admin.message.middleware(gate)
    admin.include_router(errors.router())
    admin.include_router(closures.errors_router())
    admin.include_router(customer_card.router())  # before `day`: it opens every booking card
    for desk_feature in (phone, moves, glance):
        admin.include_router(desk_feature.router())
    for feature in (home, day, services, masters, schedule, dates, staff, settings):
        admin.include_router(feature.router())
    for owner_b in (closures, invites, profiles):
        admin.include_router(owner_b.router())
    admin.include_router(stats.router())  # analytics
    admin.include_router(home.last_router())
    return admin


__all__ = ["router"]
