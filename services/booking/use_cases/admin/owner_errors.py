"""Refusals of the closure, invite and master-profile screens, worded by the bot.

Not `AdminError`s (whose words live under `admin.error.*`): `key` is a whole locale key of
these features (`admin.closure.*`, `admin.invite.*`, `admin.profile.*`), `values` fill it.
"""

from __future__ import annotations

from shared.errors import AppError


class OwnerRefused(AppError):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


__all__ = ["OwnerRefused"]
