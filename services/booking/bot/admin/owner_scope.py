"""The owner use cases' scope for one update (handed to the wizard, language and reviews
handlers as `owner`), and how their refusals are worded."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from services.booking.adapters.owner_pg import PgOwnerStore
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.owner.errors import OwnerRefusal
from services.booking.use_cases.owner.ports import OwnerScope


def owner_scope(deps: BookingDeps, tenant: TenantContext) -> OwnerScope:
    return OwnerScope(
        tenant_id=tenant.tenant_id,
        store=PgOwnerStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


def with_owner(router: Router) -> Router:
    return with_scope(router, "owner", owner_scope)


async def refused(event: ErrorEvent, words: Words) -> None:
    """A button gets an alert (the screen stays); typed text a reply (the question stays)."""
    error = event.exception
    assert isinstance(error, OwnerRefusal)  # the filter guarantees it
    text = words(error.key, **error.values)
    if event.update.callback_query is not None:
        await event.update.callback_query.answer(text, show_alert=True)
    elif event.update.message is not None:
        await event.update.message.answer(text)


def errors_router() -> Router:
    feature = Router(name="owner-errors")
    feature.errors.register(refused, ExceptionTypeFilter(OwnerRefusal))
    return feature
