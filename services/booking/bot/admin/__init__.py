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
    audit,
    broadcasts,
    clients,
    closures,
    customer_card,
    data_export,
    dates,
    day,
    errors,
    exports,
    glance,
    home,
    invites,
    language,
    masters,
    moves,
    owner_scope,
    phone,
    prepay,
    profiles,
    reviews,
    schedule,
    services,
    settings,
    staff,
    stats,
    texts,
    waitlist,
    winback,
    wizard,
)
from services.booking.bot.admin.gate import AdminButton, AdminMessage, StaffGate
from services.booking.bot.admin.opening_watch import OpeningWatch


def router() -> Router:
    admin = Router(name="admin")
    admin.callback_query.filter(AdminButton())
    admin.message.filter(AdminMessage())
    gate = StaffGate()
    admin.callback_query.middleware(gate)
    admin.message.middleware(gate)
    admin.include_router(errors.router())
    admin.include_router(closures.errors_router())
    admin.include_router(owner_scope.errors_router())
    watch = OpeningWatch()  # after the gate: tells waiting customers once booking opens
    admin.callback_query.middleware(watch)
    admin.message.middleware(watch)
    admin.include_router(wizard.first_router())  # /admin of an owner mid-setup: the wizard
    admin.include_router(customer_card.router())  # before `day`: it opens every booking card
    for desk_feature in (phone, moves, glance):
        admin.include_router(desk_feature.router())
    for feature in (home, day, services, masters, schedule, dates, staff, settings):
        admin.include_router(feature.router())
    for owner_b in (closures, invites, profiles):
        admin.include_router(owner_b.router())
    admin.include_router(data_export.router())
    for feature in (wizard, language, reviews):
        admin.include_router(feature.router())
    for growth_feature in (clients, exports, audit):
        admin.include_router(growth_feature.router())
    admin.include_router(stats.router())  # analytics
    admin.include_router(texts.router())  # the owner's own texts
    admin.include_router(prepay.router())  # prepayment through the business's own shop
    for marketing_feature in (broadcasts, winback):
        admin.include_router(marketing_feature.router())
    admin.include_router(waitlist.router())  # who waits for freed time
    admin.include_router(home.last_router())
    return admin


__all__ = ["router"]
