"""Refusals of the owner screens. Not `AdminError`s: `key` is a whole locale key of the owner's
own texts (`admin.wizard.*`, `admin.lang.*`, `admin.reviews.*`), worded by the owner routers."""

from __future__ import annotations

from shared.errors import AppError


class OwnerRefusal(AppError):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
