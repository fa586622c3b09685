"""Why an admin action is refused. Not `RuleViolation`s: the customer's error handlers (which
come first) must not answer them with customer screens; the admin router words them.

`reason` is the tail of a locale key `admin.error.<reason>`; `values` fill its placeholders.
"""

from __future__ import annotations

from shared.errors import AppError


class AdminError(AppError):
    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


class NotStaff(AdminError):
    """The user is not (or no longer) in `staff_members`."""

    def __init__(self) -> None:
        super().__init__("not_staff")


class NotAllowed(AdminError):
    """The role does not allow this (a master on someone else's schedule, on settings...)."""

    def __init__(self, what: str = "") -> None:
        super().__init__("not_allowed", what=what)


class Unknown(AdminError):
    """No such booking, service, master, staff member or blocked range in this tenant."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"unknown_{what}", key=key)
        self.what = what


class BadInput(AdminError):
    """Typed text or a choice that breaks a rule; the reason says which."""


__all__ = ["AdminError", "BadInput", "NotAllowed", "NotStaff", "Unknown"]
