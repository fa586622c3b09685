"""Errors of the emulator, translated to HTTP answers at the edge."""

from __future__ import annotations


class BotApiError(Exception):
    """A Bot API failure answered as ``{"ok": false, ...}`` with ``status``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> BotApiError:
    return BotApiError(409, f"Conflict: {detail}")


UNAUTHORIZED = 401
NOT_FOUND = 404


class ControlError(Exception):
    """A control API failure answered as ``{"error": detail}`` with ``status``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
