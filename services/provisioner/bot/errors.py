"""Domain errors raised under the operator's bot, answered as a polite line instead of a retry.

Anything else propagates: the consumer retries the update and, in the end, dead-letters it.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from services.provisioner.bot.context import OpsDeps
from services.provisioner.use_cases.console import STATUSES
from shared.errors import InvalidTenantId, RuleViolation, TenantUnknown


def _locale(event: ErrorEvent, ops: OpsDeps) -> str:
    update = event.update
    user = update.callback_query.from_user if update.callback_query else None
    if user is None and update.message is not None:
        user = update.message.from_user
    return ops.texts.locale_for(user.language_code if user else None)


async def _reply(event: ErrorEvent, text: str) -> None:
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


async def tenant_unknown(event: ErrorEvent, ops: OpsDeps) -> None:
    assert isinstance(event.exception, TenantUnknown)  # the filter guarantees it
    text = ops.texts.text(
        _locale(event, ops), "error.not_found", tenant_id=event.exception.tenant_id[:64]
    )
    await _reply(event, text)


async def invalid_tenant_id(event: ErrorEvent, ops: OpsDeps) -> None:
    assert isinstance(event.exception, InvalidTenantId)  # as above
    text = ops.texts.text(
        _locale(event, ops), "error.invalid_id", tenant_id=event.exception.tenant_id[:64]
    )
    await _reply(event, text)


async def rule_violation(event: ErrorEvent, ops: OpsDeps) -> None:
    assert isinstance(event.exception, RuleViolation)  # as above
    error = event.exception
    locale = _locale(event, ops)
    values = {key: str(value)[:64] for key, value in error.details.items()}
    if values.get("status") in STATUSES:
        values["status"] = ops.texts.text(locale, f"status.{values['status']}")
    key = f"rule.{error.reason}"
    text = (
        ops.texts.text(locale, key, **values)
        if key in RULE_KEYS
        else ops.texts.text(locale, "rule.other", reason=error.reason)
    )
    await _reply(event, text)


RULE_KEYS = frozenset(
    {
        "rule.not_allowed",
        "rule.resume_expired",
        "rule.unknown_status",
        "rule.search_empty",
        "rule.extend_days",
        "rule.export_not_sent",
    }
)


def router() -> Router:
    feature = Router(name="ops-errors")
    feature.errors.register(tenant_unknown, ExceptionTypeFilter(TenantUnknown))
    feature.errors.register(invalid_tenant_id, ExceptionTypeFilter(InvalidTenantId))
    feature.errors.register(rule_violation, ExceptionTypeFilter(RuleViolation))
    return feature
