"""The owner tests' shared set-up, used by `test_booking_admin`, `owner_catalog` and
`test_owner_phone_support` (and through them by every `test_owner_*`): acting as a staff
member in the harness's chat, opening `/admin`, and clearing a tenant's catalog before a test
writes its own (new tenants start empty; never rely on a seed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import asyncpg

from sandbox.telegram.models import ChatMessage

CATALOG_TABLES = ("master_services", "working_hours", "breaks", "masters", "services")


class Chat(Protocol):
    """What these helpers use of the conversation harness's `Talk`."""

    user: int

    async def send(self, text: str) -> list[ChatMessage]: ...


@contextmanager
def as_user(talk: Any, user: int) -> Iterator[None]:
    """The harness's chat speaks as `user` inside the block (the owner, an admin, a master)."""
    before = talk.user
    talk.user = user
    try:
        yield
    finally:
        talk.user = before


async def admin_home(talk: Chat) -> ChatMessage:
    messages = await talk.send("/admin")
    assert len(messages) == 1, [m.text for m in messages]
    return messages[0]


async def clear_catalog(conn: asyncpg.Connection) -> None:
    """Whatever services, masters and hours the tenant was created with."""
    for table in CATALOG_TABLES:
        await conn.execute(f"DELETE FROM {table}")
