"""The Redis key scheme: every key starts with its owner, `t:<tenant>:` or `p:` (platform).

Keys always carry a TTL where they are not bounded by nature; nobody uses `KEYS`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Literal

from aiogram.fsm.storage.base import KeyBuilder, StorageKey

from shared.subjects import check_tenant_id

# The tenant whose update is being handled; set by the consumer around one update only.
current_tenant: ContextVar[str] = ContextVar("current_tenant")


def tenant_key(tenant_id: str, *parts: str | int) -> str:
    return ":".join(("t", check_tenant_id(tenant_id), *map(str, parts)))


def platform_key(*parts: str | int) -> str:
    return ":".join(("p", *map(str, parts)))


class TenantKeyBuilder(KeyBuilder):
    """aiogram FSM keys under the tenant of the update being handled (or `p:<bot>` for ours)."""

    def __init__(self, platform_scope: str | None = None) -> None:
        self._platform_scope = platform_scope

    def build(
        self,
        key: StorageKey,
        part: Literal["data", "state", "lock"] | None = None,
    ) -> str:
        prefix = (
            platform_key(self._platform_scope)
            if self._platform_scope
            else tenant_key(current_tenant.get())
        )
        pieces = [
            prefix,
            "fsm",
            str(key.bot_id),
            str(key.chat_id),
            str(key.user_id),
            key.destiny,
        ]
        if key.thread_id:
            pieces.append(str(key.thread_id))
        if part:
            pieces.append(part)
        return ":".join(pieces)
