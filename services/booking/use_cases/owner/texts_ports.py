"""What the owner's texts screens need: one tenant transaction with the business row, the
owner's texts and the audit log."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from services.booking.use_cases.admin.audit_ports import AuditPort
from services.booking.use_cases.custom_texts import CustomTextsPort
from services.booking.use_cases.ports import BusinessSettings


class TextsSession(CustomTextsPort, AuditPort, Protocol):
    async def business(self) -> BusinessSettings: ...

    async def save_custom_text(self, kind: str, locale: str, body: str, *, by: int) -> None: ...

    async def drop_custom_text(self, kind: str, locale: str) -> str | None:
        """Forget the owner's text; returns it (None if there was none)."""
        ...


class TextsStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[TextsSession]: ...


@dataclass(frozen=True, slots=True)
class TextsScope:
    tenant_id: str
    store: TextsStore
