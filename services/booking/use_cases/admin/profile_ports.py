"""What the master-profile use cases need: a master's description, photo and own prices."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from services.booking.use_cases.admin.audit_ports import AuditPort
from shared.clock import Clock


@dataclass(frozen=True, slots=True)
class OwnService:
    """A service the master performs; `own_*` None = the service's own value applies."""

    service_id: int
    name: str
    duration_min: int
    price_kopecks: int
    own_duration_min: int | None
    own_price_kopecks: int | None


@dataclass(frozen=True, slots=True)
class ProfileView:
    master_id: int
    name: str
    bio: str
    photo_file_id: str
    services: tuple[OwnService, ...]


class ProfileSession(AuditPort, Protocol):
    async def profile(self, master_id: int) -> ProfileView | None: ...

    async def set_bio(self, master_id: int, bio: str) -> None: ...

    async def set_photo(self, master_id: int, file_id: str) -> None: ...

    async def set_own(
        self, master_id: int, service_id: int, *, price: int | None, duration: int | None
    ) -> bool:
        """False when the master does not perform the service."""
        ...


class ProfileStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ProfileSession]: ...


@dataclass(frozen=True, slots=True)
class ProfileScope:
    tenant_id: str
    store: ProfileStore
    clock: Clock
