"""The one exception tree of the project.

Domain errors carry fields; each edge translates them: routes to an HTTP status, bot handlers
to a polite reply, subscribers to ack / nack / dead-letter.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every error the project raises on purpose."""


class SettingsError(AppError):
    """A setting is missing or malformed; the service stops with this one line."""


class PoisonMessage(AppError):
    """A message that can never be handled (undecodable, wrong shape): dead-letter it at once."""


class TransientError(AppError):
    """Something outside is down for now (database, NATS, an HTTP API); retry later."""


class NotFound(AppError):
    """The thing asked for does not exist."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class TenantUnknown(NotFound):
    def __init__(self, tenant_id: str) -> None:
        super().__init__("tenant", tenant_id)
        self.tenant_id = tenant_id


class InvalidTenantId(AppError):
    def __init__(self, tenant_id: str) -> None:
        super().__init__(f"not a valid tenant id: {tenant_id[:64]!r}")
        self.tenant_id = tenant_id


class Forbidden(AppError):
    """The caller may not do this (wrong secret, wrong source address, not an operator)."""


class RuleViolation(AppError):
    """A business rule refuses the action; `reason` is a key for a user-facing text."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details
